#include "plugin/host/json.hpp"

#include <cstdlib>

#include "smtp/text.hpp"

namespace odmr::json {

namespace {

constexpr int max_depth = 32;

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::optional<Value> parse_document(std::string& error) {
        auto value = parse_value(0);
        skip_space();
        if (value && position_ != text_.size()) fail("unexpected data after the value");
        if (!error_.empty()) {
            error = concat(error_, " at offset ", position_);
            return std::nullopt;
        }
        return value;
    }

private:
    void fail(const char* message) {
        if (error_.empty()) error_ = message;
    }

    void skip_space() {
        while (position_ < text_.size() &&
               (text_[position_] == ' ' || text_[position_] == '\t' || text_[position_] == '\n' || text_[position_] == '\r')) {
            ++position_;
        }
    }

    bool consume_literal(std::string_view literal) {
        if (text_.substr(position_, literal.size()) != literal) return false;
        position_ += literal.size();
        return true;
    }

    // depth counts the arrays and objects around the value.
    std::optional<Value> parse_value(int depth) {
        skip_space();
        if (position_ >= text_.size()) {
            fail("unexpected end of text");
            return std::nullopt;
        }

        const char c = text_[position_];
        if ((c == '{' || c == '[') && depth >= max_depth) {
            fail("nesting too deep");
            return std::nullopt;
        }
        if (c == '{') return parse_object(depth);
        if (c == '[') return parse_array(depth);
        if (c == '"') {
            auto text = parse_string();
            if (!text) return std::nullopt;
            return Value{std::move(*text)};
        }
        if (consume_literal("true")) return Value{true};
        if (consume_literal("false")) return Value{false};
        if (consume_literal("null")) return Value{nullptr};
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        fail("unexpected character");
        return std::nullopt;
    }

    // Skips digits and returns how many there were.
    std::size_t skip_digits() {
        const std::size_t start = position_;
        while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') ++position_;
        return position_ - start;
    }

    // Follows the number grammar of RFC 8259 section 6, which strtod alone
    // does not: no leading zeros, digits on both sides of the point.
    std::optional<Value> parse_number() {
        const std::size_t start = position_;
        if (text_[position_] == '-') ++position_;

        const std::size_t integer_start = position_;
        const std::size_t integer_digits = skip_digits();
        bool valid = integer_digits > 0 && (integer_digits == 1 || text_[integer_start] != '0');
        if (valid && position_ < text_.size() && text_[position_] == '.') {
            ++position_;
            valid = skip_digits() > 0;
        }
        if (valid && position_ < text_.size() && (text_[position_] == 'e' || text_[position_] == 'E')) {
            ++position_;
            if (position_ < text_.size() && (text_[position_] == '+' || text_[position_] == '-')) ++position_;
            valid = skip_digits() > 0;
        }
        if (!valid) {
            fail("invalid number");
            return std::nullopt;
        }

        const std::string number(text_.substr(start, position_ - start));
        return Value{std::strtod(number.c_str(), nullptr)};
    }

    static void append_utf8(std::string& out, unsigned code_point) {
        if (code_point < 0x80) {
            out += static_cast<char>(code_point);
        } else if (code_point < 0x800) {
            out += static_cast<char>(0xc0 | (code_point >> 6));
            out += static_cast<char>(0x80 | (code_point & 0x3f));
        } else if (code_point < 0x10000) {
            out += static_cast<char>(0xe0 | (code_point >> 12));
            out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code_point & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (code_point >> 18));
            out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code_point & 0x3f));
        }
    }

    std::optional<unsigned> parse_hex4() {
        if (position_ + 4 > text_.size()) return std::nullopt;
        unsigned value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[position_++];
            value <<= 4;
            if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
            else return std::nullopt;
        }
        return value;
    }

    std::optional<std::string> parse_string() {
        ++position_;  // the opening quote
        std::string out;
        while (position_ < text_.size()) {
            const char c = text_[position_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("control character in a string");
                return std::nullopt;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (position_ >= text_.size()) break;
            const char escape = text_[position_++];
            switch (escape) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                auto code_point = parse_hex4();
                if (!code_point) {
                    fail("invalid \\u escape");
                    return std::nullopt;
                }
                // A surrogate pair encodes one code point above U+FFFF. A
                // surrogate outside a pair encodes nothing and has no UTF-8
                // form.
                if (*code_point >= 0xdc00 && *code_point <= 0xdfff) {
                    fail("invalid surrogate pair");
                    return std::nullopt;
                }
                if (*code_point >= 0xd800 && *code_point < 0xdc00) {
                    std::optional<unsigned> low;
                    if (consume_literal("\\u")) low = parse_hex4();
                    if (!low || *low < 0xdc00 || *low > 0xdfff) {
                        fail("invalid surrogate pair");
                        return std::nullopt;
                    }
                    *code_point = 0x10000 + ((*code_point - 0xd800) << 10) + (*low - 0xdc00);
                }
                append_utf8(out, *code_point);
                break;
            }
            default:
                fail("invalid escape");
                return std::nullopt;
            }
        }
        fail("unterminated string");
        return std::nullopt;
    }

    std::optional<Value> parse_array(int depth) {
        ++position_;
        auto array = std::make_shared<Array>();
        skip_space();
        if (consume_literal("]")) return Value{array};
        while (true) {
            auto element = parse_value(depth + 1);
            if (!element) return std::nullopt;
            array->push_back(std::move(*element));
            skip_space();
            if (consume_literal("]")) return Value{array};
            if (!consume_literal(",")) {
                fail("expected ',' or ']'");
                return std::nullopt;
            }
        }
    }

    std::optional<Value> parse_object(int depth) {
        ++position_;
        auto object = std::make_shared<Object>();
        skip_space();
        if (consume_literal("}")) return Value{object};
        while (true) {
            skip_space();
            if (position_ >= text_.size() || text_[position_] != '"') {
                fail("expected a member name");
                return std::nullopt;
            }
            auto name = parse_string();
            if (!name) return std::nullopt;
            skip_space();
            if (!consume_literal(":")) {
                fail("expected ':'");
                return std::nullopt;
            }
            auto element = parse_value(depth + 1);
            if (!element) return std::nullopt;
            (*object)[std::move(*name)] = std::move(*element);
            skip_space();
            if (consume_literal("}")) return Value{object};
            if (!consume_literal(",")) {
                fail("expected ',' or '}'");
                return std::nullopt;
            }
        }
    }

    std::string_view text_;
    std::size_t position_ = 0;
    std::string error_;
};

}  // namespace

std::optional<Value> parse(std::string_view text, std::string& error) {
    Parser parser(text);
    return parser.parse_document(error);
}

const Value* member(const Value& value, std::string_view name) {
    const Object* object = value.object();
    if (object == nullptr) return nullptr;
    const auto found = object->find(std::string(name));
    return found == object->end() ? nullptr : &found->second;
}

}  // namespace odmr::json
