#include "tests/crash/session_probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp/text.hpp"

namespace odmr::test {

namespace {

// What is left in smtpd's and cleanup's stream buffers until the end of
// data, plus the envelope records, with room to spare.
constexpr std::uint64_t unflushed_allowance = 32 * 1024;

// A queue file this small contains the envelope and at most the first
// buffer of message text.
constexpr std::uint64_t envelope_allowance = 8 * 1024;

std::uint64_t file_size(const std::string& path) {
    struct stat status {};
    if (stat(path.c_str(), &status) < 0) return 0;
    return static_cast<std::uint64_t>(status.st_size);
}

// The text of a log line after "program[pid]: ".
std::string_view message_of(std::string_view line) {
    const auto start = line.find("]: ");
    return start == std::string_view::npos ? std::string_view() : line.substr(start + 3);
}

// "4F2A1C: client=..." with a Postfix queue id before the colon.
bool split_queue_id(std::string_view message, std::string& queue_id, std::string_view& rest) {
    const auto colon = message.find(": ");
    if (colon == std::string_view::npos || colon == 0 || colon > 64) return false;
    for (const char c : message.substr(0, colon)) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    }
    queue_id = std::string(message.substr(0, colon));
    rest = message.substr(colon + 2);
    return true;
}

}  // namespace

LogFollower::LogFollower(std::string path) : path_(std::move(path)), offset_(file_size(path_)) {}

std::vector<std::string> LogFollower::new_lines() {
    std::vector<std::string> lines;
    const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return lines;

    char buffer[65536];
    while (true) {
        const ssize_t count = pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset_));
        if (count <= 0) break;
        offset_ += static_cast<std::uint64_t>(count);
        partial_.append(buffer, static_cast<std::size_t>(count));
    }
    close(fd);

    std::size_t start = 0;
    for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n', start)) {
        lines.push_back(partial_.substr(start, end - start));
        start = end + 1;
    }
    partial_.erase(0, start);
    return lines;
}

SessionProbe::SessionProbe(const std::string& odmrd_log, const std::string& customer_directory,
                           std::size_t message_size)
    : odmrd_log_(odmrd_log),
      customer_log_(customer_directory + "/log/maillog"),
      incoming_directory_(customer_directory + "/queue/incoming"),
      message_size_(message_size) {}

void SessionProbe::refresh() {
    for (const auto& line : odmrd_log_.new_lines()) read_odmrd_line(line);
    for (const auto& line : customer_log_.new_lines()) read_customer_line(line);
}

void SessionProbe::read_odmrd_line(const std::string& line) {
    const std::string_view message = message_of(line);
    if (message.find("session=atrn end") != std::string_view::npos ||
        message.find("session=etrn end") != std::string_view::npos) {
        session_ended_ = true;
        return;
    }

    // "4F2A1C: to=<a@example.com>, ..., status=sent (250 ...)": Postfix
    // has the customer's reply for this message.
    std::string queue_id;
    std::string_view rest;
    if (!split_queue_id(message, queue_id, rest)) return;
    if (rest.starts_with("to=<") && rest.find(", status=") != std::string_view::npos) {
        finished_queue_ids_.insert(queue_id);
    }
}

void SessionProbe::read_customer_line(const std::string& line) {
    std::string queue_id;
    std::string_view rest;
    if (!split_queue_id(message_of(line), queue_id, rest)) return;

    if (rest.starts_with("client=")) {
        transactions_.push_back(Transaction{queue_id, {}, false});
        return;
    }
    Transaction* transaction = find(queue_id);
    if (transaction == nullptr) return;
    if (rest.starts_with("message-id=")) {
        transaction->message_id = std::string(rest.substr(11));
    } else if (rest.starts_with("from=<") && line.find("/qmgr[") != std::string::npos) {
        transaction->committed = true;
    }
}

SessionProbe::Transaction* SessionProbe::find(const std::string& queue_id) {
    for (auto& transaction : transactions_) {
        if (transaction.queue_id == queue_id) return &transaction;
    }
    return nullptr;
}

std::optional<std::uint64_t> SessionProbe::received_bytes(int transaction) const {
    if (transaction < 1 || transaction > transactions_started()) return std::nullopt;
    const std::string path = incoming_directory_ + "/" + transactions_[transaction - 1].queue_id;
    struct stat status {};
    if (stat(path.c_str(), &status) < 0) return std::nullopt;
    return static_cast<std::uint64_t>(status.st_size);
}

bool SessionProbe::holds_whole_message(int transaction) const {
    const auto bytes = received_bytes(transaction);
    if (!bytes) return transaction >= 1 && transaction <= transactions_started();
    return *bytes + unflushed_allowance >= message_size_;
}

PhaseObservation SessionProbe::observe() const {
    PhaseObservation observation;
    const int started = transactions_started();
    const int finished = transactions_finished();
    observation.transaction = started;

    if (session_ended_) {
        observation.phase = Phase::session_over;
        observation.detail = concat("odmrd ended the session after ", finished, " messages");
        return observation;
    }
    if (started <= finished) {
        observation.phase = Phase::between_messages;
        observation.detail = concat(finished, " messages finished, none open at the customer");
        return observation;
    }

    const Transaction& open = transactions_.back();
    const auto bytes = received_bytes(started);
    if (!bytes) {
        observation.phase = Phase::after_dot;
        observation.detail = concat("the customer ", open.committed ? "committed" : "no longer has", " queue file ",
                                    open.queue_id, " and odmrd has not logged its reply");
        return observation;
    }

    observation.detail = concat("queue file ", open.queue_id, " holds ", *bytes, " of about ", message_size_, " bytes");
    if (*bytes <= envelope_allowance) {
        observation.phase = Phase::before_data;
    } else if (*bytes + unflushed_allowance < message_size_) {
        observation.phase = Phase::mid_data;
    } else {
        observation.phase = Phase::after_dot;
    }
    return observation;
}

std::string SessionProbe::last_message_id() const {
    for (auto transaction = transactions_.rbegin(); transaction != transactions_.rend(); ++transaction) {
        if (!transaction->message_id.empty()) return transaction->message_id;
    }
    return {};
}

}  // namespace odmr::test
