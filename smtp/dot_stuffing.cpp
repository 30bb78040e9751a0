#include "smtp/dot_stuffing.hpp"

namespace odmr {

std::string dot_stuff_message(std::string_view message) {
    std::string data;
    data.reserve(message.size() + message.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (line_start && c == '.') data += '.';
        if (c == '\n') {
            if (data.empty() || data.back() != '\r') data += '\r';
            data += '\n';
            line_start = true;
            continue;
        }
        data += c;
        line_start = false;
    }
    if (!line_start) data += "\r\n";
    data += ".\r\n";
    return data;
}

std::string dot_unstuff(std::string_view data) {
    std::string message;
    message.reserve(data.size());
    std::size_t position = 0;
    while (position < data.size()) {
        auto end = data.find('\n', position);
        end = end == std::string_view::npos ? data.size() : end + 1;
        std::string_view line = data.substr(position, end - position);
        position = end;

        if (line == ".\r\n" || line == ".\n" || line == ".") break;
        if (!line.empty() && line.front() == '.') line.remove_prefix(1);
        message += line;
    }
    return message;
}

}  // namespace odmr
