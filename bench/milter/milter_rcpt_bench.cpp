// RCPT latency through odmr-milter with 100,000 held messages in a real
// Postfix queue, against the same RCPT through Postfix alone, and what
// one listing of that queue (the milter's refresh) costs.
//
//   odmr_milter_bench --benchmark_repetitions=5
//
// needs root (private Postfix instances) and Debian's postfix package. The
// queue is filled once per run; set ODMR_BENCH_DIRECTORY to keep it for
// the next run. ODMR_BENCH_MESSAGES changes the number of messages for a
// quick check of the program itself.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "bench/milter/held_queue_provider.hpp"
#include "plugin/milter/limit_session.hpp"
#include "plugin/milter/queue_refresher.hpp"
#include "tests/harness/mail_client.hpp"

namespace {

using namespace odmr;
using namespace odmr::bench;

std::unique_ptr<HeldQueueProvider> provider;

// The milter never lists the queue again after its first listing.
constexpr int idle_refresh_interval = 86400;

// The milter lists the queue again one second after each listing ends,
// so RCPTs meet a running postqueue -j most of the time.
constexpr int busy_refresh_interval = 1;

double percentile(std::vector<double> samples, double fraction) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
    return samples[index];
}

// Times RCPT round trips on one SMTP connection: MAIL, RCPT (timed), RSET.
void measure_rcpt(benchmark::State& state, std::uint16_t port) {
    test::ScriptedClient client(port);
    if (client.read_reply().code != 220 || client.command("EHLO bench.test").code != 250) {
        state.SkipWithError("the provider's smtpd sent no 220 greeting");
        return;
    }

    std::vector<double> microseconds;
    for (auto _ : state) {
        client.command("MAIL FROM:<sender@sender.test>");
        const auto started = std::chrono::steady_clock::now();
        const Reply reply = client.command("RCPT TO:<new@example.com>");
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        if (reply.code != 250) {
            state.SkipWithError(("RCPT got " + reply.summary()).c_str());
            break;
        }
        state.SetIterationTime(took.count());
        microseconds.push_back(took.count() * 1e6);
        client.command("RSET");
    }
    state.counters["p50_us"] = percentile(microseconds, 0.50);
    state.counters["p99_us"] = percentile(microseconds, 0.99);
    state.counters["held"] = static_cast<double>(provider->held_messages());
}

bool have_provider(benchmark::State& state) {
    if (provider) return true;
    state.SkipWithError("needs root and Postfix: the provider did not start");
    return false;
}

void BM_RcptPostfixAlone(benchmark::State& state) {
    if (!have_provider(state)) return;
    measure_rcpt(state, provider->plain_port());
}

// The peak resident memory of a process in MiB, from /proc (VmHWM).
double peak_memory_mib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    }
    return 0;
}

void BM_RcptMilterIdle(benchmark::State& state) {
    if (!have_provider(state)) return;
    provider->use_milter(idle_refresh_interval);
    measure_rcpt(state, provider->milter_port());
    state.counters["milter_peak_mib"] = peak_memory_mib(provider->milter_pid());
}

void BM_RcptMilterWhileListing(benchmark::State& state) {
    if (!have_provider(state)) return;
    provider->use_milter(busy_refresh_interval);
    measure_rcpt(state, provider->milter_port());
}

double children_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    const auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + time.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One refresh as the milter's thread does it: postqueue -j over the whole
// queue, parsed and summed per queue domain. The CPU column is the parse
// in this process; the counters add what postqueue and Postfix's showq
// daemon spent.
void BM_QueueListing(benchmark::State& state) {
    if (!have_provider(state)) return;
    // A milter that lists the queue at the same time would double the load.
    provider->use_milter(idle_refresh_interval);
    PostfixQueue host(provider->postqueue_settings());
    std::size_t listed = 0;
    const double postqueue_before = children_cpu_seconds();
    const double showq_before = provider->showq_cpu_seconds();
    for (auto _ : state) {
        const QueueListing listing = list_queue(host, provider->table());
        listed = listing.queue_ids.size();
    }
    const double runs = static_cast<double>(state.iterations());
    state.counters["listed"] = static_cast<double>(listed);
    state.counters["postqueue_cpu_ms"] = (children_cpu_seconds() - postqueue_before) * 1000 / runs;
    state.counters["showq_cpu_ms"] = (provider->showq_cpu_seconds() - showq_before) * 1000 / runs;
}

// The milter's own work per RCPT without any I/O: one map lookup and a
// reservation, given back by RSET. The queue size does not enter it.
class NullContext : public MilterContext {
public:
    std::optional<std::string> macro(std::string_view) override { return std::nullopt; }
    bool set_reply(std::string_view, std::string_view, std::string_view) override { return true; }
};

void BM_RcptCheckInProcess(benchmark::State& state) {
    if (!have_provider(state)) return;
    provider->use_milter(idle_refresh_interval);
    // Google Benchmark calls this function several times; one listing
    // serves them all.
    static const QueueListing listing = [] {
        PostfixQueue host(provider->postqueue_settings());
        return list_queue(host, provider->table());
    }();
    HeldMailAccounting accounting;
    accounting.apply(listing);
    const LimitPolicy policy{std::make_shared<const QueueDomainTable>(provider->table()), 366};
    LimitSession session(policy, accounting);
    NullContext context;
    const std::vector<std::string> mail{"<sender@sender.test>"};
    const std::vector<std::string> recipient{"<new@example.com>"};

    for (auto _ : state) {
        session.mail(context, mail);
        benchmark::DoNotOptimize(session.recipient(context, recipient));
        session.abort();
    }
}

double minimum(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }
double maximum(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

// Registers a benchmark with min and max over the repetitions beside
// Google Benchmark's mean, median and standard deviation.
benchmark::internal::Benchmark* with_range(benchmark::internal::Benchmark* benchmark) {
    return benchmark->ComputeStatistics("min", minimum)->ComputeStatistics("max", maximum);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    std::size_t messages = 100000;
    if (const char* text = std::getenv("ODMR_BENCH_MESSAGES"); text != nullptr) messages = std::strtoul(text, nullptr, 10);

    if (geteuid() != 0) {
        std::cerr << "odmr_milter_bench: run as root; Postfix instances need it (postfix -c DIR)\n";
    } else {
        try {
            provider = std::make_unique<HeldQueueProvider>(messages);
            provider->start();
        } catch (const std::exception& error) {
            std::cerr << "odmr_milter_bench: the provider did not start: " << error.what() << "\n";
            provider.reset();
        }
    }

    with_range(benchmark::RegisterBenchmark("BM_RcptPostfixAlone", BM_RcptPostfixAlone))
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(2.0);
    with_range(benchmark::RegisterBenchmark("BM_RcptMilterIdle", BM_RcptMilterIdle))
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(2.0);
    with_range(benchmark::RegisterBenchmark("BM_RcptMilterWhileListing", BM_RcptMilterWhileListing))
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(5.0);
    with_range(benchmark::RegisterBenchmark("BM_QueueListing", BM_QueueListing))
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
    with_range(benchmark::RegisterBenchmark("BM_RcptCheckInProcess", BM_RcptCheckInProcess))
        ->Unit(benchmark::kNanosecond);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    provider.reset();
    return 0;
}
