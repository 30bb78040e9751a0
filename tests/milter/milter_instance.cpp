#include "tests/milter/milter_instance.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

bool unix_socket_accepts(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return connected;
}

}  // namespace

MilterInstance::MilterInstance(const std::string& directory, const std::string& postfix_directory,
                               MilterOptions options)
    : directory_(directory) {
    make_directory(directory_, 0755);
    config_file_ = directory_ + "/odmr-milter.conf";

    if (options.unix_socket) {
        socket_path_ = directory_ + "/milter.sock";
        socket_ = "unix:" + socket_path_;
    } else {
        port_ = options.port != 0 ? options.port : free_port();
        socket_ = "inet:127.0.0.1:" + std::to_string(port_);
    }

    write_file(directory_ + "/queue-domains", join_lines(options.queue_domains));
    std::vector<std::string> settings{
        "listen = " + socket_,
        "queue_domains_file = " + directory_ + "/queue-domains",
        "postfix_config_directory = " + postfix_directory,
        "refresh_interval = " + std::to_string(options.refresh_interval),
        "syslog = no",
    };
    settings.insert(settings.end(), options.settings.begin(), options.settings.end());
    write_file(config_file_, join_lines(settings));
}

MilterInstance::~MilterInstance() { stop(); }

bool MilterInstance::accepts_connections() const {
    if (!socket_path_.empty()) return unix_socket_accepts(socket_path_);
    return wait_for_port(port_, std::chrono::milliseconds(0));
}

void MilterInstance::start() {
    // A restart in the same directory must not find the last run's lines.
    write_file(directory_ + "/odmr-milter.log", "");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{ODMR_MILTER_PATH, "-c", config_file_, "-f", "-v"}, directory_ + "/odmr-milter.log");

    const bool listening = wait_until([&] { return !process_->running() || accepts_connections(); },
                                      std::chrono::seconds(10));
    if (!listening || !process_->running()) {
        throw std::runtime_error("odmr-milter does not listen on " + socket_ + ":\n" + log());
    }
    // A listing of a queue of 100,000 messages takes seconds.
    if (!wait_for_log("debug: queue listing:", std::chrono::seconds(120))) {
        throw std::runtime_error("odmr-milter did not list the queue:\n" + log());
    }
}

void MilterInstance::stop() {
    if (process_) process_->kill_now();
}

std::optional<int> MilterInstance::terminate(std::chrono::milliseconds timeout) {
    if (!process_) return std::nullopt;
    process_->signal(SIGTERM);
    return process_->wait(timeout);
}

std::string MilterInstance::log() const { return read_file(directory_ + "/odmr-milter.log"); }

bool MilterInstance::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return log().find(text) != std::string::npos; }, timeout);
}

}  // namespace odmr::test
