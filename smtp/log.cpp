#include "smtp/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

namespace odmr::log {

namespace {

std::mutex stderr_mutex;
Options current{"odmr", false, true, false};
std::string ident;  // syslog keeps the pointer, so the string must live on

void write(int priority, const char* prefix, std::string_view message) {
    if (current.to_syslog) {
        syslog(priority, "%s%.*s", prefix, static_cast<int>(message.size()), message.data());
    }
    if (!current.to_stderr) return;

    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);

    const std::lock_guard lock(stderr_mutex);
    std::fprintf(stderr, "%s %s[%d]: %s%.*s\n", stamp, current.program_name.c_str(), static_cast<int>(getpid()),
                 prefix, static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

}  // namespace

void open(const Options& options) {
    current = options;
    ident = options.program_name;
    if (options.to_syslog) openlog(ident.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void debug(std::string_view message) {
    if (current.verbose) write(LOG_DEBUG, "debug: ", message);
}
void info(std::string_view message) { write(LOG_INFO, "", message); }
void warning(std::string_view message) { write(LOG_WARNING, "warning: ", message); }
void error(std::string_view message) { write(LOG_ERR, "error: ", message); }

void startup_error(std::string_view message) {
    if (current.to_syslog) syslog(LOG_ERR, "error: %.*s", static_cast<int>(message.size()), message.data());

    const std::lock_guard lock(stderr_mutex);
    std::fprintf(stderr, "%s: %.*s\n", current.program_name.c_str(), static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

bool verbose() { return current.verbose; }

}  // namespace odmr::log
