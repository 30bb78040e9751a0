// The SMTP codec on the paths every relayed message takes: reading command
// lines with a length limit, dot-stuffing and unstuffing a body, finding
// the end of a body that passes through unchanged, and parsing commands
// and replies. The memcpy benchmarks copy the same bytes, as the floor
// that any pass over a body compares with.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "bench/micro/memory_stream.hpp"
#include "smtp/command.hpp"
#include "smtp/data_terminator.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/reply.hpp"
#include "smtp/text.hpp"

namespace {

using namespace odmr;

// A message of about `size` bytes with LF line ends: headers, then body
// lines of 76 characters, every 16th of which starts with a dot.
std::string make_message_text(std::size_t size) {
    std::string text =
        "From: sender@sender.test\nTo: user@example.com\nSubject: benchmark\n"
        "Message-ID: <bench@sender.test>\n\n";
    std::size_t line = 0;
    while (text.size() < size) {
        std::string body_line = line % 16 == 0 ? "." : "";
        while (body_line.size() < 76) body_line += static_cast<char>('a' + (body_line.size() + line) % 26);
        text += body_line + "\n";
        ++line;
    }
    return text;
}

// The pipelined commands of 100 transactions with 3 recipients each.
std::string make_command_lines() {
    std::string lines;
    for (int message = 0; message < 100; ++message) {
        lines += concat("MAIL FROM:<sender", message, "@sender.test> SIZE=4096 BODY=8BITMIME\r\n");
        for (int recipient = 0; recipient < 3; ++recipient) {
            lines += concat("RCPT TO:<user", recipient, "@example.com> NOTIFY=FAILURE,DELAY\r\n");
        }
        lines += "DATA\r\n";
    }
    return lines;
}

void BM_ReadCommandLines(benchmark::State& state) {
    const std::string input = make_command_lines();
    std::size_t lines = 0;
    for (auto _ : state) {
        bench::MemoryStream stream(input);
        LineReader reader(stream, 4096);
        while (reader.input_pending()) {
            const Line line = reader.read_line(Deadline::never());
            benchmark::DoNotOptimize(line.text.data());
            ++lines;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(lines));
}
BENCHMARK(BM_ReadCommandLines);

// Lines of 10,000 bytes against the 4,096-byte limit: each is read to its
// end and dropped, which is the work a client sending junk costs.
void BM_ReadLinesOverLimit(benchmark::State& state) {
    std::string input;
    for (int i = 0; i < 20; ++i) input += std::string(10000, 'x') + "\r\n";
    for (auto _ : state) {
        bench::MemoryStream stream(input);
        LineReader reader(stream, 4096);
        while (reader.input_pending()) {
            const Line line = reader.read_line(Deadline::never());
            benchmark::DoNotOptimize(line.too_long);
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_ReadLinesOverLimit);

void BM_DotStuffMessage(benchmark::State& state) {
    const std::string message = make_message_text(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::string data = dot_stuff_message(message);
        benchmark::DoNotOptimize(data.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(BM_DotStuffMessage)->Arg(4 * 1024)->Arg(100 * 1024);

void BM_DotUnstuff(benchmark::State& state) {
    const std::string data = dot_stuff_message(make_message_text(static_cast<std::size_t>(state.range(0))));
    for (auto _ : state) {
        std::string message = dot_unstuff(data);
        benchmark::DoNotOptimize(message.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_DotUnstuff)->Arg(4 * 1024)->Arg(100 * 1024);

// Scans a body for its terminator in 64 KB chunks, as odmrd's bridge and
// odmr-fetch's relay do while the bytes pass through unchanged.
void BM_ScanDataTerminator(benchmark::State& state) {
    const std::string data = dot_stuff_message(make_message_text(static_cast<std::size_t>(state.range(0))));
    constexpr std::size_t chunk_size = 64 * 1024;
    for (auto _ : state) {
        DataTerminatorScanner scanner;
        std::size_t offset = 0;
        while (offset < data.size()) {
            const std::string_view chunk = std::string_view(data).substr(offset, chunk_size);
            const std::size_t end = scanner.scan(chunk);
            if (end != DataTerminatorScanner::npos) break;
            offset += chunk.size();
        }
        benchmark::DoNotOptimize(scanner.bytes_seen());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_ScanDataTerminator)->Arg(4 * 1024)->Arg(100 * 1024);

// The floor: copying the same DATA-form bytes into a preallocated buffer.
void BM_MemcpyBody(benchmark::State& state) {
    const std::string data = dot_stuff_message(make_message_text(static_cast<std::size_t>(state.range(0))));
    std::string copy(data.size(), '\0');
    for (auto _ : state) {
        std::memcpy(copy.data(), data.data(), data.size());
        benchmark::DoNotOptimize(copy.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_MemcpyBody)->Arg(4 * 1024)->Arg(100 * 1024);

void BM_ParseCommand(benchmark::State& state) {
    const std::vector<std::string> lines{"EHLO customer.example.com", "MAIL FROM:<sender@sender.test> SIZE=4096",
                                         "RCPT TO:<user@example.com>", "DATA", "QUIT", "ATRN example.com,example.net"};
    for (auto _ : state) {
        for (const auto& line : lines) {
            Command command = parse_command(line);
            benchmark::DoNotOptimize(command.verb.data());
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
}
BENCHMARK(BM_ParseCommand);

void BM_ParseMailPath(benchmark::State& state) {
    const std::string argument = "FROM:<sender@sender.test> SIZE=102400 BODY=8BITMIME RET=HDRS ENVID=QQ314159";
    for (auto _ : state) {
        auto path = parse_mail_path(argument, "FROM:");
        benchmark::DoNotOptimize(path->address.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseMailPath);

// Replies as a customer's Postfix sends them: a nine-line EHLO reply, then
// the replies to one pipelined transaction.
void BM_ReadReply(benchmark::State& state) {
    std::string input =
        "250-customer.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n";
    for (int i = 0; i < 20; ++i) {
        input += "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
                 "250 2.0.0 Ok: queued as 4F2A1C2B3D\r\n";
    }
    std::size_t replies = 0;
    for (auto _ : state) {
        bench::MemoryStream stream(input);
        LineReader reader(stream, 4096);
        while (reader.input_pending()) {
            Reply reply = read_reply(reader, Deadline::never());
            benchmark::DoNotOptimize(reply.code);
            ++replies;
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(replies));
}
BENCHMARK(BM_ReadReply);

}  // namespace
