#include "tests/crash/delivery_count.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "smtp/text.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {

// The header section of a delivered copy; the body, up to a few MB, is
// not needed.
std::string read_header(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    std::string header;
    std::string line;
    while (std::getline(input, line) && !line.empty()) header += line + "\n";
    return header;
}

std::string header_value(const std::string& header, std::string_view name) {
    for (const auto line : split(header, '\n')) {
        if (line.size() > name.size() && istarts_with(line, name) && line[name.size()] == ':') {
            return std::string(trim(line.substr(name.size() + 1)));
        }
    }
    return {};
}

}  // namespace

std::string copy_key(const std::string& message_id, const std::string& recipient) {
    return concat(message_id, " for ", to_lower(recipient));
}

std::map<std::string, int> count_copies(const std::string& maildir) {
    std::map<std::string, int> copies;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(maildir + "/new", error)) {
        const std::string header = read_header(entry.path().string());
        const std::string message_id = header_value(header, "Message-ID");
        const std::string recipient = header_value(header, "Delivered-To");
        if (message_id.empty() || recipient.empty()) {
            ++copies["unreadable copy: " + entry.path().filename().string()];
        } else {
            ++copies[copy_key(message_id, recipient)];
        }
    }
    return copies;
}

void move_copies(const std::string& maildir, const std::string& destination) {
    make_directory(destination, 0755);
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(maildir + "/new", error)) {
        std::filesystem::rename(entry.path(), std::filesystem::path(destination) / entry.path().filename());
    }
}

CopyTally tally_copies(const std::vector<std::string>& expected_keys, const std::map<std::string, int>& copies) {
    CopyTally tally;
    const std::set<std::string> expected(expected_keys.begin(), expected_keys.end());
    for (const auto& key : expected) {
        const auto found = copies.find(key);
        if (found == copies.end()) tally.lost.push_back(key);
    }
    for (const auto& [key, count] : copies) {
        tally.copies += count;
        tally.max_copies = std::max(tally.max_copies, count);
        if (expected.count(key) == 0) {
            tally.unexpected.push_back(key);
        } else if (count > 1) {
            tally.duplicated.push_back(key);
        }
    }
    return tally;
}

}  // namespace odmr::test
