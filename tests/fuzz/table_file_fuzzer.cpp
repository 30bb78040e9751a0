// Fuzzes the table syntax every admin table shares: "key  value" lines,
// '#' comment lines and indented continuation lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/table_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        int previous_line = 0;
        for (const auto& entry : parse_table_text(text, "fuzz-table")) {
            require(entry.line > previous_line, "entries are not in line order");
            previous_line = entry.line;
            require(!entry.key.empty(), "an entry has an empty key");
            require(entry.key.front() != '#', "a comment line became an entry");
            require(entry.key.find_first_of(" \t") == std::string::npos, "a key contains white space");
            require(entry.key.find('\0') == std::string::npos, "a key contains a NUL byte");
            require(entry.value.find('\0') == std::string::npos, "a value contains a NUL byte");
        }
    } catch (const ConfigError& error) {
        require(std::string_view(error.what()).substr(0, 12) == "fuzz-table, ", "the error does not name the file");
    }
    return 0;
}
