#include "tests/harness/mail_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "smtp/connection.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/io_error.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {
Deadline soon() { return Deadline::after(std::chrono::seconds(30)); }
}  // namespace

std::string make_message(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                         const std::string& body, const std::string& extra_headers) {
    static int counter = 0;
    std::ostringstream message;
    std::string to_header;
    for (const auto& recipient : to) to_header += (to_header.empty() ? "" : ", ") + recipient;
    message << "From: <" << from << ">\n"
            << "To: " << to_header << "\n"
            << "Subject: " << subject << "\n"
            << "Date: Fri, 04 Dec 2026 12:00:00 +0000\n"
            << "Message-ID: <test." << ++counter << "." << std::chrono::steady_clock::now().time_since_epoch().count()
            << "@sender.test>\n"
            << "MIME-Version: 1.0\n"
            << "Content-Type: text/plain; charset=utf-8\n"
            << extra_headers << "\n"
            << body;
    return message.str();
}

Reply send_message(std::uint16_t port, const std::string& from, const std::vector<std::string>& recipients,
                   const std::string& message) {
    Connection connection(std::make_unique<FdStream>(connect_tcp("127.0.0.1", port, soon())), 65536);
    const Reply greeting = connection.read_reply(soon());
    if (greeting.code != 220) throw std::runtime_error("greeting: " + greeting.summary());

    const Greeting ehlo = send_ehlo(connection, "sender.test", soon());
    bool eight_bit = false;
    for (const unsigned char c : message) eight_bit = eight_bit || c >= 0x80;
    const std::string body_parameter = eight_bit && ehlo.capabilities.has("8BITMIME") ? " BODY=8BITMIME" : "";
    const Reply mail = send_command(connection, "MAIL FROM:<" + from + ">" + body_parameter, soon());
    if (!mail.positive_completion()) throw std::runtime_error("MAIL: " + mail.summary());
    for (const auto& recipient : recipients) {
        const Reply reply = send_command(connection, "RCPT TO:<" + recipient + ">", soon());
        if (!reply.positive_completion()) throw std::runtime_error("RCPT " + recipient + ": " + reply.summary());
    }
    const Reply data = send_command(connection, "DATA", soon());
    if (data.code != 354) throw std::runtime_error("DATA: " + data.summary());

    connection.writer().append(dot_stuff_message(message));
    const Reply done = connection.read_reply(soon());
    send_command(connection, "QUIT", soon());
    return done;
}

FetchmailRun run_fetchmail_etrn(const std::string& directory, std::uint16_t port, const std::string& domains,
                                std::chrono::seconds timeout) {
    const std::string home = directory + "/fetchmail-etrn";
    make_directory(home, 0700);
    const std::string rc = home + "/fetchmailrc";
    write_file(rc, concat("poll 127.0.0.1 service ", port, " protocol ETRN\n", "  fetchdomains ", domains, "\n"), 0600);

    ChildProcess fetchmail({"fetchmail", "-f", rc, "-v", "--nosyslog", "--pidfile", home + "/fetchmail.pid"},
                           home + "/output.log", {{"FETCHMAILHOME", home}});
    FetchmailRun run;
    const auto status = fetchmail.wait(timeout);
    run.status = status ? *status : -1;
    run.output = fetchmail.output();
    return run;
}

FetchmailRun run_fetchmail_odmr(const std::string& directory, std::uint16_t odmrd_port, const std::string& login,
                                const std::string& password, const std::string& domains,
                                std::uint16_t customer_port, std::chrono::seconds timeout,
                                const std::string& customer_address) {
    const std::string home = directory + "/fetchmail";
    make_directory(home, 0700);
    const std::string rc = home + "/fetchmailrc";
    write_file(rc,
               concat("poll 127.0.0.1 service ", odmrd_port, " protocol ODMR\n", "  user \"", login, "\" password \"",
                      password, "\"\n", "  fetchdomains ", domains, "\n", "  smtphost ", customer_address, "/", customer_port, "\n"),
               0600);

    // A private pid file: as root, fetchmail's default lock is one file for
    // the whole machine, and parallel tests would block each other.
    ChildProcess fetchmail({"fetchmail", "-f", rc, "-v", "--nosyslog", "--pidfile", home + "/fetchmail.pid"},
                           home + "/output.log",
                           {{"FETCHMAILHOME", home}});
    FetchmailRun run;
    const auto status = fetchmail.wait(timeout);
    run.status = status ? *status : -1;
    run.output = fetchmail.output();
    return run;
}

namespace {

int connect_from(const std::string& host, std::uint16_t port, const std::string& source) {
    if (source.empty()) return connect_tcp(host, port, soon());

    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &remote.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) < 0) {
        close(fd);
        throw std::runtime_error("cannot connect from " + source + " to " + host + ":" + std::to_string(port));
    }
    return fd;
}

}  // namespace

struct ScriptedClient::State {
    State(std::uint16_t port, const std::string& host, const std::string& source)
        : connection(std::make_unique<FdStream>(connect_from(host, port, source)), 65536) {}
    Connection connection;
};

ScriptedClient::ScriptedClient(std::uint16_t port, const std::string& host, const std::string& source)
    : state_(std::make_unique<State>(port, host, source)) {}
ScriptedClient::~ScriptedClient() = default;

Reply ScriptedClient::read_reply() { return state_->connection.read_reply(soon()); }

Reply ScriptedClient::command(const std::string& line) { return send_command(state_->connection, line, soon()); }

void ScriptedClient::send_raw(const std::string& bytes) { state_->connection.stream().write_all(bytes, soon()); }

std::string ScriptedClient::read_line() {
    const Line line = state_->connection.read_line(soon());
    return std::string(line.text);
}

void ScriptedClient::send_line(const std::string& line) {
    state_->connection.send_line(line);
    state_->connection.flush(soon());
}

void ScriptedClient::close() { state_.reset(); }

void ScriptedClient::start_tls() {
    static const auto context = TlsContext::client("", false);
    state_->connection.start_tls(*context, TlsStream::Role::client, "provider.test", soon());
}

bool ScriptedClient::closed_by_server() {
    try {
        char byte;
        state_->connection.stream().read_some(&byte, 1, Deadline::after(std::chrono::seconds(10)));
        return false;
    } catch (const IoError& error) {
        return error.kind() == IoError::Kind::end_of_file || error.kind() == IoError::Kind::system;
    }
}

}  // namespace odmr::test
