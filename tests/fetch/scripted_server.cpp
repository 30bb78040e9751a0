#include "tests/fetch/scripted_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/io_error.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {

ScriptedServer::ScriptedServer(Script script, int connections) {
    port_ = free_port();
    listener_ = listen_tcp(Endpoint{"127.0.0.1", port_}).front();
    thread_ = std::thread(&ScriptedServer::serve, this, std::move(script), connections);
}

ScriptedServer::~ScriptedServer() {
    stop_ = true;
    thread_.join();
    close_fd(listener_);
}

void ScriptedServer::serve(Script script, int connections) {
    for (int served = 0; served < connections && !stop_; ++served) {
        int fd = -1;
        while (!stop_ && fd < 0) {
            pollfd entry{listener_, POLLIN, 0};
            if (poll(&entry, 1, 100) > 0) fd = accept(listener_, nullptr, nullptr);
        }
        if (fd < 0) break;

        try {
            Connection connection(std::make_unique<FdStream>(fd), 65536);
            script(connection);
        } catch (const std::exception& failure) {
            const std::lock_guard lock(mutex_);
            error_ = failure.what();
        }
    }
    done_ = true;
}

bool ScriptedServer::wait_done(std::chrono::milliseconds timeout) const {
    return wait_until([this] { return done_.load(); }, timeout);
}

std::string ScriptedServer::error() const {
    const std::lock_guard lock(mutex_);
    return error_;
}

std::string read_command(Connection& connection, const std::string& verb) {
    while (true) {
        const Line line = connection.read_line(Deadline::after(Seconds(30)));
        const std::string text(line.text);
        if (istarts_with(text, verb)) return text;
    }
}

}  // namespace odmr::test
