#include "server/code_bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <boost/json.hpp>
#include <fstream>

namespace serval::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class CodeBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("code-bundle-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "lib");
    std::ofstream(dir_ / "lambda_function.py") << "def lambda_handler(event, context):\n  pass\n";
    std::ofstream(dir_ / "lib" / "tool.sh") << "#!/bin/sh\n";
    fs::permissions(dir_ / "lib" / "tool.sh", fs::perms::owner_exec, fs::perm_options::add);
  }
  void TearDown() override { fs::remove_all(dir_); }

  absl::StatusOr<std::string> Build(std::string_view code) {
    return BuildCodeZip(json::parse(code), dir_, dir_ / "build");
  }

  fs::path dir_;
};

TEST_F(CodeBundleTest, ZipsFilesUnderTheirPathsWithTheSameBytesEveryTime) {
  auto first = Build(R"({"Files": ["lambda_function.py", "lib/tool.sh"]})");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Build(R"({"Files": ["lambda_function.py", "lib/tool.sh"]})");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);  // so CodeSha256 does not change when the files do not

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(first->data(), first->size(), 0, &error);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  ASSERT_NE(archive, nullptr);
  ASSERT_EQ(zip_get_num_entries(archive, 0), 2);
  EXPECT_STREQ(zip_get_name(archive, 0, 0), "lambda_function.py");
  EXPECT_STREQ(zip_get_name(archive, 1, 0), "lib/tool.sh");
  zip_uint8_t system = 0;
  zip_uint32_t attributes = 0;
  ASSERT_EQ(zip_file_get_external_attributes(archive, 1, 0, &system, &attributes), 0);
  EXPECT_EQ(system, ZIP_OPSYS_UNIX);
  EXPECT_EQ((attributes >> 16) & 0777, 0755u);
  ASSERT_EQ(zip_file_get_external_attributes(archive, 0, 0, &system, &attributes), 0);
  EXPECT_EQ((attributes >> 16) & 0777, 0644u);
  zip_close(archive);
  zip_error_fini(&error);
}

TEST_F(CodeBundleTest, RefusesWhatIsNotAPackage) {
  EXPECT_EQ(Build(R"({"Files": ["../outside.py"]})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Build(R"({"Files": ["/etc/passwd"]})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Build(R"({"Files": ["missing.py"]})").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Build(R"({"Files": []})").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Build(R"({"Zip": "x"})").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Build(R"({"Bootstrap": "not_built"})").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace serval::server
