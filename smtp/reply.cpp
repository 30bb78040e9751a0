#include "smtp/reply.hpp"

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::string Reply::wire() const {
    std::string result;
    const std::string code_text = std::to_string(code);
    if (lines.empty()) return code_text + "\r\n";

    for (std::size_t i = 0; i < lines.size(); ++i) {
        result += code_text;
        result += (i + 1 < lines.size()) ? '-' : ' ';
        result += lines[i];
        result += "\r\n";
    }
    return result;
}

static bool is_enhanced_status(std::string_view text) {
    // class "." subject "." detail, RFC 3463: 1 digit, 1-3 digits, 1-3 digits.
    const auto parts = split(text, '.');
    if (parts.size() != 3) return false;
    if (parts[0].size() != 1 || (parts[0][0] != '2' && parts[0][0] != '4' && parts[0][0] != '5')) return false;
    for (std::size_t i = 1; i < 3; ++i) {
        if (parts[i].empty() || parts[i].size() > 3) return false;
        for (char c : parts[i]) {
            if (c < '0' || c > '9') return false;
        }
    }
    return true;
}

std::string Reply::enhanced_status() const {
    if (lines.empty()) return {};
    const std::string_view first = lines.front();
    const auto candidate = first.substr(0, first.find(' '));
    return is_enhanced_status(candidate) ? std::string(candidate) : std::string();
}

std::string Reply::summary(std::size_t max_length) const {
    std::string joined = std::to_string(code);
    for (const auto& line : lines) {
        joined += ' ';
        joined += line;
    }
    return printable(joined, max_length);
}

Reply make_reply(int code, std::string_view text) {
    Reply reply;
    reply.code = code;
    for (auto line : split(text, '\n')) reply.lines.emplace_back(line);
    return reply;
}

bool parse_reply_line(std::string_view line, int& code, bool& last, std::string_view& text) {
    if (line.size() < 3) return false;
    for (std::size_t i = 0; i < 3; ++i) {
        if (line[i] < '0' || line[i] > '9') return false;
    }
    if (line[0] < '2' || line[0] > '5') return false;
    code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');

    if (line.size() == 3) {
        last = true;
        text = {};
        return true;
    }
    if (line[3] != ' ' && line[3] != '-') return false;
    last = line[3] == ' ';
    text = line.substr(4);
    return true;
}

Reply read_reply(LineReader& reader, Deadline deadline, std::size_t max_lines) {
    Reply reply;
    while (true) {
        const Line line = reader.read_line(deadline);
        if (line.too_long) throw IoError(IoError::Kind::protocol, "reply line too long");

        int code = 0;
        bool last = false;
        std::string_view text;
        if (!parse_reply_line(line.text, code, last, text)) {
            throw IoError(IoError::Kind::protocol, concat("malformed reply: ", printable(line.text)));
        }
        if (reply.code != 0 && code != reply.code) {
            throw IoError(IoError::Kind::protocol, concat("reply code changed within a reply: ", printable(line.text)));
        }

        reply.code = code;
        reply.lines.emplace_back(text);
        if (last) return reply;
        if (reply.lines.size() >= max_lines) throw IoError(IoError::Kind::protocol, "reply has too many lines");
    }
}

}  // namespace odmr
