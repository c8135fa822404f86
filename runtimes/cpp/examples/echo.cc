// echo_function: a `provided` runtime function that returns its event unchanged. Build it, zip the
// binary as `bootstrap`, and create the function with Runtime=provided.al2023.

#include <serval/lambda_runtime.h>

int main() {
  return serval::lambda::Run([](const serval::lambda::Invocation& invocation) {
    return serval::lambda::Response::Success(invocation.payload);
  });
}
