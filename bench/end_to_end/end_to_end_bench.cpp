// odmr end to end on loopback, beside what users would run instead, in one
// run so that the machine's noise falls on both sides alike:
//
//   - N held messages drained by Postfix's own ETRN over one connection
//     (the anchor), by ATRN through odmrd with odmr-fetch as the customer,
//     by ETRN through odmrd's ETRN port, and by ATRN through odmrd with
//     fetchmail (protocol ODMR) as the customer, each into smtp-sink;
//   - the peak RSS of odmrd and odmr-fetch while one large message passes.
//
// Repetitions are interleaved: each run drains every path once, in turn.
// It needs root (private Postfix instances) and Debian's postfix and
// fetchmail packages. It prints progress to standard error and the
// Markdown for BENCHMARKS.md to standard output and to --output.
//
//   odmr_end_to_end_bench                 the full run (5 repetitions)
//   odmr_end_to_end_bench --quick         a few messages, once: checks
//                                         that every path still delivers
//
// ODMR_BENCH_ODMRD_PREFIX and ODMR_BENCH_FETCH_PREFIX put a command such as
// "valgrind --tool=callgrind" in front of odmrd or odmr-fetch, to profile
// them in the same runs.
#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>
#include <set>

#include "bench/end_to_end/drain_runs.hpp"
#include "bench/end_to_end/held_mail_providers.hpp"
#include "bench/end_to_end/message_sink.hpp"
#include "bench/end_to_end/results.hpp"
#include "smtp/text.hpp"
#include "tests/harness/temp_directory.hpp"

namespace {

using namespace odmr;
using namespace odmr::bench;
namespace po = boost::program_options;

struct Plan {
    int runs = 5;
    std::vector<std::size_t> message_counts{1000, 10000};
    std::vector<std::size_t> body_sizes{4 * 1024, 100 * 1024};
    std::size_t fetchmail_max_messages = 1000;
    std::size_t memory_message_size = 50 * 1024 * 1024;
    std::size_t memory_small_messages = 1000;
    int memory_runs = 3;
    std::set<std::string> paths{"postfix-etrn", "odmr-fetch", "odmrd-etrn", "fetchmail"};
    std::string output = "end-to-end-results.md";
};

std::vector<std::size_t> parse_sizes(const std::string& text, const std::string& option) {
    std::vector<std::size_t> sizes;
    for (const auto part : split(text, ',')) {
        const std::string value(trim(part));
        char* end = nullptr;
        const unsigned long long number = std::strtoull(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || number == 0) {
            throw po::error(concat("--", option, ": '", value, "' is not a positive whole number; give a list such as 1000,10000"));
        }
        sizes.push_back(static_cast<std::size_t>(number));
    }
    return sizes;
}

// Returns nothing when the help was printed.
std::optional<Plan> parse_plan(int argc, char** argv) {
    po::options_description options("odmr_end_to_end_bench options");
    options.add_options()
        ("help,h", "print this help and exit")
        ("quick", "5 messages of 4 KB, one run, a 1 MB message for memory: checks every path, measures nothing")
        ("runs", po::value<int>()->default_value(5), "repetitions of each drain; the report gives their median, minimum and maximum")
        ("messages", po::value<std::string>()->default_value("1000,10000"), "held messages per drain, a comma-separated list")
        ("body-sizes", po::value<std::string>()->default_value("4096,102400"), "message body sizes in bytes, a comma-separated list")
        ("fetchmail-max-messages", po::value<std::size_t>()->default_value(1000), "run fetchmail only for drains of at most this many messages (it takes tens of milliseconds per message)")
        ("memory-message-size", po::value<std::size_t>()->default_value(50 * 1024 * 1024), "body size in bytes of the single message of the memory runs")
        ("memory-runs", po::value<int>()->default_value(3), "repetitions of each memory run: one large message, and --memory-small-messages of 4 KB")
        ("memory-small-messages", po::value<std::size_t>()->default_value(1000), "messages of 4 KB in the second memory run")
        ("paths", po::value<std::string>()->default_value("postfix-etrn,odmr-fetch,odmrd-etrn,fetchmail"), "the drains to run: postfix-etrn, odmr-fetch, odmrd-etrn, fetchmail")
        ("output", po::value<std::string>()->default_value("end-to-end-results.md"), "the file the Markdown report is written to");

    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
        std::cout << options << "\n";
        return std::nullopt;
    }

    Plan plan;
    plan.runs = values["runs"].as<int>();
    plan.message_counts = parse_sizes(values["messages"].as<std::string>(), "messages");
    plan.body_sizes = parse_sizes(values["body-sizes"].as<std::string>(), "body-sizes");
    plan.fetchmail_max_messages = values["fetchmail-max-messages"].as<std::size_t>();
    plan.memory_message_size = values["memory-message-size"].as<std::size_t>();
    plan.memory_runs = values["memory-runs"].as<int>();
    plan.memory_small_messages = values["memory-small-messages"].as<std::size_t>();
    plan.output = values["output"].as<std::string>();
    plan.paths.clear();
    for (const auto part : split(values["paths"].as<std::string>(), ',')) {
        const std::string path(trim(part));
        if (path != "postfix-etrn" && path != "odmr-fetch" && path != "odmrd-etrn" && path != "fetchmail") {
            throw po::error(concat("--paths: unknown path '", path, "'; use postfix-etrn, odmr-fetch, odmrd-etrn or fetchmail"));
        }
        plan.paths.insert(path);
    }
    if (values.count("quick")) {
        plan.runs = 1;
        plan.message_counts = {5};
        plan.body_sizes = {4 * 1024};
        plan.fetchmail_max_messages = 5;
        plan.memory_message_size = 1024 * 1024;
        plan.memory_small_messages = 20;
        plan.memory_runs = 1;
    }
    if (plan.runs < 1 || plan.memory_runs < 0) throw po::error("--runs must be at least 1 and --memory-runs at least 0");
    return plan;
}

// A command prefix from the environment, split at spaces, for running
// odmrd or odmr-fetch under a profiler.
std::vector<std::string> prefix_from_environment(const char* name) {
    std::vector<std::string> words;
    if (const char* value = std::getenv(name); value != nullptr) {
        for (const auto word : split_words(value)) words.emplace_back(word);
    }
    return words;
}

std::string command_line(int argc, char** argv) {
    std::string text;
    for (int i = 0; i < argc; ++i) {
        if (i > 0) text += ' ';
        text += argv[i];
    }
    return text;
}

void run_load(const Plan& plan, const MessageLoad& load, DrainContext& context, PostfixEtrnProvider& anchor,
              OdmrProvider& odmr, LoadResults& results) {
    const auto record = [&](DrainPath path, const DrainMeasurement& measurement) {
        std::cerr << describe_run(path, load, measurement) << std::endl;
        results.runs[path].push_back(measurement);
    };
    for (int run = 1; run <= plan.runs; ++run) {
        std::cerr << "run " << run << " of " << plan.runs << ": " << load.count << " x " << size_name(load.body_size)
                  << std::endl;
        if (plan.paths.count("postfix-etrn")) {
            record(DrainPath::postfix_etrn, drain_with_postfix_etrn(context, anchor, load));
        }
        if (plan.paths.count("odmr-fetch")) record(DrainPath::odmr_fetch, drain_with_odmr_fetch(context, odmr, load));
        if (plan.paths.count("odmrd-etrn")) record(DrainPath::odmrd_etrn, drain_with_odmrd_etrn(context, odmr, load));
        if (plan.paths.count("fetchmail") && load.count <= plan.fetchmail_max_messages) {
            record(DrainPath::fetchmail, drain_with_fetchmail(context, odmr, load));
        }
    }
}

int run_benchmark(const Plan& plan, const std::string& command) {
    test::TempDirectory directory("odmr-bench");
    std::cerr << "working in " << directory.path() << " (set ODMR_KEEP_TEST_DIRECTORIES=1 to keep it)" << std::endl;

    MessageSink sink(directory.path());
    PostfixEtrnProvider anchor(directory.file("postfix-etrn"), MessageSink::address, sink.port());
    OdmrProvider odmr(directory.file("odmr"), MessageSink::address, sink.port());
    const std::vector<std::string> odmrd_prefix = prefix_from_environment("ODMR_BENCH_ODMRD_PREFIX");
    if (!odmrd_prefix.empty()) odmr.restart_odmrd(odmrd_prefix);
    DrainContext context{sink, directory.path(), prefix_from_environment("ODMR_BENCH_FETCH_PREFIX")};

    BenchmarkReport report;
    report.command = command;
    for (const std::size_t count : plan.message_counts) {
        for (const std::size_t body_size : plan.body_sizes) {
            LoadResults results;
            results.load = MessageLoad{count, body_size};
            run_load(plan, results.load, context, anchor, odmr, results);
            report.loads.push_back(std::move(results));
        }
    }

    // A fresh odmrd for each memory run, so its peak covers that run
    // alone and not the heap that earlier runs left behind.
    for (const MessageLoad load : {MessageLoad{1, plan.memory_message_size}, MessageLoad{plan.memory_small_messages, 4 * 1024}}) {
        MemoryResults results{load, {}};
        for (int run = 1; run <= plan.memory_runs; ++run) {
            odmr.restart_odmrd(odmrd_prefix);
            const DrainMeasurement measurement = drain_with_odmr_fetch(context, odmr, load);
            std::cerr << "memory run " << run << ": " << describe_run(DrainPath::odmr_fetch, load, measurement) << std::endl;
            results.runs.push_back(measurement);
        }
        report.memory.push_back(std::move(results));
    }

    const std::string markdown = format_report(report, machine_description());
    std::cout << markdown;
    std::ofstream output(plan.output);
    output << markdown;
    if (!output.flush()) {
        std::cerr << "odmr_end_to_end_bench: cannot write the report to " << plan.output << std::endl;
        return 1;
    }
    std::cerr << "report written to " << plan.output << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<Plan> plan;
    try {
        plan = parse_plan(argc, argv);
    } catch (const po::error& error) {
        std::cerr << "odmr_end_to_end_bench: " << error.what() << "; see --help" << std::endl;
        return 2;
    }
    if (!plan) return 0;

    try {
        return run_benchmark(*plan, command_line(argc, argv));
    } catch (const std::exception& error) {
        std::cerr << "odmr_end_to_end_bench: " << error.what() << std::endl;
        return 1;
    }
}
