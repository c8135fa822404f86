#pragma once

#include <cstddef>
#include <string_view>

// DynamoDB's reserved words: an attribute name in an expression that is one of them (in any case)
// must be written through ExpressionAttributeNames. Thread-safe (constant data).
namespace serval::dynamodb {

bool IsReservedWord(std::string_view word);
size_t ReservedWordCount();

}  // namespace serval::dynamodb
