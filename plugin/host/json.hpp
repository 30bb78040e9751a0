// A small JSON reader (RFC 8259) for the one JSON producer odmr talks to:
// `postqueue -j`, which writes one object per line. Depth, size and number
// ranges are bounded, so a damaged line gives an error instead of a crash.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace odmr::json {

struct Value;
using Object = std::map<std::string, Value>;
using Array = std::vector<Value>;

struct Value {
    std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> data;

    const std::string* string() const { return std::get_if<std::string>(&data); }
    const double* number() const { return std::get_if<double>(&data); }
    const Array* array() const {
        const auto* found = std::get_if<std::shared_ptr<Array>>(&data);
        return found ? found->get() : nullptr;
    }
    const Object* object() const {
        const auto* found = std::get_if<std::shared_ptr<Object>>(&data);
        return found ? found->get() : nullptr;
    }
};

// Parses one JSON text. Returns nothing and sets error (with the offset)
// when the text is not valid JSON or nests deeper than 32 levels.
std::optional<Value> parse(std::string_view text, std::string& error);

// The member `name` of an object value, or nullptr.
const Value* member(const Value& object, std::string_view name);

}  // namespace odmr::json
