// Fuzzes the settings files of odmrd, odmr-fetch and odmr-milter: "name =
// value" lines read with Boost.Program_options, then each program's checks.
// The parsers read a path, so each input is written to a private file
// first; every program reads the same file.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/milter/milter_settings.hpp"
#include "plugin/odmrd/daemon_settings.hpp"
#include "shim/fetch_settings.hpp"
#include "smtp/table_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

// A directory of this process alone, removed when the run ends without a
// crash.
class PrivateFile {
public:
    PrivateFile() {
        char pattern[] = "/tmp/odmr-settings-fuzz-XXXXXX";
        const char* directory = mkdtemp(pattern);
        require(directory != nullptr, "cannot create a directory under /tmp");
        directory_ = directory;
        path_ = directory_ + "/settings.conf";
    }
    ~PrivateFile() {
        unlink(path_.c_str());
        rmdir(directory_.c_str());
    }
    PrivateFile(const PrivateFile&) = delete;
    PrivateFile& operator=(const PrivateFile&) = delete;

    const std::string& write(std::string_view text) {
        std::ofstream output(path_, std::ios::binary | std::ios::trunc);
        output.write(text.data(), static_cast<std::streamsize>(text.size()));
        output.close();
        require(output.good(), "cannot write the settings file");
        return path_;
    }

private:
    std::string directory_;
    std::string path_;
};

// Runs one program's parser over the file. The command line is fixed and
// valid, so every error is about the file and must be a ConfigError that
// names it or the setting. Any other exception escapes and stops the run.
template <typename Parse>
void parse_with(const char* program, const std::string& path, Parse parse) {
    std::string config = path;
    std::vector<char*> argv{const_cast<char*>(program), const_cast<char*>("--config"), config.data(), nullptr};
    try {
        parse(3, argv.data());
    } catch (const ConfigError& error) {
        require(std::string_view(error.what()).find(':') != std::string_view::npos, "a settings error has no location");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static PrivateFile file;
    const std::string& path = file.write(std::string_view(reinterpret_cast<const char*>(data), size));

    parse_with("odmrd", path, parse_daemon_command);
    parse_with("odmr-fetch", path, parse_fetch_command);
    parse_with("odmr-milter", path, parse_milter_command);
    return 0;
}
