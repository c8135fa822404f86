#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

namespace serval::apigateway::vtl {

// The syntax tree of a parsed template. Built once by ParseTemplate and then only read, so one
// tree may be rendered by many threads at once. Thread-compatible.

struct Expr;
struct Node;
using ExprPtr = std::unique_ptr<Expr>;
using Block = std::vector<Node>;

// One step after a reference's root: `.name`, `[index]` or `.name(args)`.
struct Accessor {
  enum class Kind { kProperty, kIndex, kMethod };
  Kind kind = Kind::kProperty;
  std::string name;           // kProperty, kMethod
  std::vector<ExprPtr> args;  // kMethod: the arguments; kIndex: exactly one, the index
};

// `$name.a[0].m(x)`, `${name}`, `$!name`.
struct Reference {
  std::string name;
  std::vector<Accessor> path;
  bool quiet = false;   // `$!`: renders nothing when the value is null
  std::string text;     // the source text, rendered as is when the value is null and not quiet
  int backslashes = 0;  // `\\$x` in text: escapes, resolved against the value when rendering
};

struct Expr {
  enum class Kind {
    kLiteral,    // literal: a number, 'single-quoted' string, true, false, null
    kString,     // "double-quoted": `parts` rendered as a template
    kList,       // [a, b]: `operands`
    kRange,      // [a..b]: operands[0], operands[1]
    kMap,        // {k: v}: operands alternate key, value
    kReference,  // reference
    kNot,        // !a, not a: operands[0]
    kNegate,     // -a: operands[0]
    kBinary,     // operands[0] op operands[1]
  };
  enum class Op { kOr, kAnd, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod };

  Kind kind = Kind::kLiteral;
  Op op = Op::kOr;
  boost::json::value literal;
  std::unique_ptr<Block> parts;
  std::vector<ExprPtr> operands;
  Reference reference;
};

// Text and directives. Whitespace that Velocity swallows around directive lines is already gone
// from kText nodes.
struct Node {
  enum class Kind {
    kText,       // text: emitted as is
    kReference,  // reference: its value rendered
    kSet,        // #set(reference = value)
    kIf,         // branches, tried in order; the last may have no condition (#else)
    kForeach,    // #foreach($variable in value) body #end
    kDefine,     // #define($variable) body #end: `$variable` renders body where it is used
    kBreak,      // #break: leaves the innermost #foreach
    kStop,       // #stop: ends rendering; the output so far is the result
  };
  struct Branch {
    ExprPtr condition;  // null for #else
    Block body;
  };

  Kind kind = Kind::kText;
  std::string text;
  Reference reference;   // kReference, kSet target
  std::string variable;  // kForeach, kDefine
  ExprPtr value;         // kSet, kForeach
  std::vector<Branch> branches;
  Block body;  // kForeach, kDefine
};

}  // namespace serval::apigateway::vtl
