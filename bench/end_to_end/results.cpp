#include "bench/end_to_end/results.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "smtp/text.hpp"
#include "tests/harness/child_process.hpp"

namespace odmr::bench {

namespace {

struct Statistics {
    double median = 0;
    double minimum = 0;
    double maximum = 0;
    bool empty = true;
};

Statistics summarize(std::vector<double> values) {
    Statistics statistics;
    if (values.empty()) return statistics;
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    statistics.median = values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    statistics.minimum = values.front();
    statistics.maximum = values.back();
    statistics.empty = false;
    return statistics;
}

std::string number(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

// "median (min–max)", or "–" when there are no runs.
std::string cell(const Statistics& statistics, int decimals) {
    if (statistics.empty) return "–";
    return concat(number(statistics.median, decimals), " (", number(statistics.minimum, decimals), "–",
                  number(statistics.maximum, decimals), ")");
}

using Field = std::function<double(const DrainMeasurement&)>;

Statistics field_statistics(const std::vector<DrainMeasurement>& runs, const Field& field) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(field(run));
    return summarize(values);
}

// The ratio of a field between two paths, repetition by repetition.
Statistics paired_ratio(const std::vector<DrainMeasurement>& numerators, const std::vector<DrainMeasurement>& denominators,
                        const Field& field) {
    std::vector<double> ratios;
    for (std::size_t i = 0; i < std::min(numerators.size(), denominators.size()); ++i) {
        const double denominator = field(denominators[i]);
        if (denominator > 0) ratios.push_back(field(numerators[i]) / denominator);
    }
    return summarize(ratios);
}

const std::vector<DrainMeasurement>& runs_of(const LoadResults& results, DrainPath path) {
    static const std::vector<DrainMeasurement> none;
    const auto found = results.runs.find(path);
    return found == results.runs.end() ? none : found->second;
}

const char* path_title(DrainPath path) {
    switch (path) {
    case DrainPath::postfix_etrn: return "Postfix's own ETRN, one connection";
    case DrainPath::odmr_fetch: return "ATRN through odmrd, odmr-fetch as the customer";
    case DrainPath::fetchmail: return "ATRN through odmrd, fetchmail as the customer";
    case DrainPath::odmrd_etrn: return "ETRN through odmrd's ETRN port";
    }
    return "unknown";
}

double megabytes(long kilobytes) { return static_cast<double>(kilobytes) / 1024.0; }

// The installed version of a Debian package.
std::string package_version(const std::string& package) {
    std::string output;
    if (test::run_command({"dpkg-query", "-W", "-f", "${Version}", package}, output, std::chrono::seconds(30)) != 0) {
        return "unknown";
    }
    return std::string(trim(output));
}

std::string file_value(const std::string& path, const std::string& key) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.rfind(key, 0) == 0) return std::string(trim(line.substr(line.find(':') + 1)));
    }
    return "unknown";
}

void write_load_section(std::ostringstream& out, const LoadResults& results) {
    const auto& postfix = runs_of(results, DrainPath::postfix_etrn);
    const auto& odmr = runs_of(results, DrainPath::odmr_fetch);
    const auto& fetchmail = runs_of(results, DrainPath::fetchmail);
    const auto& etrn = runs_of(results, DrainPath::odmrd_etrn);
    const std::size_t repetitions = std::max({postfix.size(), odmr.size(), fetchmail.size(), etrn.size()});

    out << "### " << results.load.count << " held messages, " << size_name(results.load.body_size) << " bodies ("
        << repetitions << " runs)\n\n"
        << "| path | messages/s | MB/s | reply to first message (s) | reply to last message (s) | "
           "start to last message (s) | total (s) |\n"
        << "|---|---|---|---|---|---|---|\n";
    for (const DrainPath path : {DrainPath::postfix_etrn, DrainPath::odmr_fetch, DrainPath::odmrd_etrn, DrainPath::fetchmail}) {
        const auto& runs = runs_of(results, path);
        if (runs.empty()) continue;
        const bool reply_seen = runs.front().reply_seen;
        out << "| " << path_title(path) << (reply_seen ? "" : " (timed from its start)") << " | "
            << cell(field_statistics(runs, [](const auto& m) { return m.messages_per_second(); }), 0) << " | "
            << cell(field_statistics(runs, [](const auto& m) { return m.megabytes_per_second(); }), 2) << " | "
            << (reply_seen ? cell(field_statistics(runs, [](const auto& m) { return m.first_message; }), 3) : "–") << " | "
            << (reply_seen ? cell(field_statistics(runs, [](const auto& m) { return m.delivery; }), 2) : "–") << " | "
            << cell(field_statistics(runs, [](const auto& m) { return m.from_start; }), 2) << " | "
            << cell(field_statistics(runs, [](const auto& m) { return m.total; }), 2) << " |\n";
    }

    out << "\n| ratio (per run, then median) | value |\n|---|---|\n";
    if (!odmr.empty() && !postfix.empty()) {
        out << "| ATRN through odmrd ÷ Postfix's ETRN, messages/s (target ≥ 0.8) | "
            << cell(paired_ratio(odmr, postfix, [](const auto& m) { return m.messages_per_second(); }), 2) << " |\n";
    }
    if (!etrn.empty() && !postfix.empty()) {
        out << "| ETRN through odmrd ÷ Postfix's ETRN, reply to last message (time; lower is faster) | "
            << cell(paired_ratio(etrn, postfix, [](const auto& m) { return m.delivery; }), 2) << " |\n";
    }
    if (!odmr.empty() && !fetchmail.empty()) {
        out << "| odmr-fetch ÷ fetchmail, messages/s (target ≥ 5) | "
            << cell(paired_ratio(odmr, fetchmail, [](const auto& m) { return m.messages_per_second(); }), 2) << " |\n";
    }
    out << "\n";
}

void write_memory_section(std::ostringstream& out, const BenchmarkReport& report) {
    out << "### Peak resident memory (MB)\n\n"
        << "| messages passing | odmrd before | odmrd peak | odmr-fetch peak | fetchmail peak |\n"
        << "|---|---|---|---|---|\n";

    // The first rows come from an odmrd started for each run; the drain
    // rows from the odmrd that served every earlier run too.
    const auto row = [&](const std::string& title, const std::vector<DrainMeasurement>& odmr,
                         const std::vector<DrainMeasurement>& fetchmail) {
        if (odmr.empty()) return;
        out << "| " << title << " | "
            << cell(field_statistics(odmr, [](const auto& m) { return megabytes(m.odmrd_rss_before_kb); }), 1) << " | "
            << cell(field_statistics(odmr, [](const auto& m) { return megabytes(m.odmrd_peak_rss_kb); }), 1) << " | "
            << cell(field_statistics(odmr, [](const auto& m) { return megabytes(m.client_peak_rss_kb); }), 1) << " | "
            << cell(field_statistics(fetchmail, [](const auto& m) { return megabytes(m.client_peak_rss_kb); }), 1)
            << " |\n";
    };
    for (const auto& results : report.memory) {
        row(concat(results.load.count, " × ", size_name(results.load.body_size), ", odmrd started for the run"),
            results.runs, {});
    }
    for (const auto& results : report.loads) {
        row(concat(results.load.count, " × ", size_name(results.load.body_size), ", drain runs"),
            runs_of(results, DrainPath::odmr_fetch), runs_of(results, DrainPath::fetchmail));
    }
    out << "\n";
}

}  // namespace

std::string size_name(std::size_t bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return concat(bytes / (1024 * 1024), " MB");
    if (bytes >= 1024 && bytes % 1024 == 0) return concat(bytes / 1024, " KB");
    return concat(bytes, " bytes");
}

std::string describe_run(DrainPath path, const MessageLoad& load, const DrainMeasurement& m) {
    std::string line = concat(path_title(path), ": ", load.count, " x ", size_name(load.body_size), ": ",
                              number(m.messages_per_second(), 0), " messages/s, ",
                              number(m.megabytes_per_second(), 1), " MB/s, first message ",
                              number(m.first_message, 3), " s, last ", number(m.delivery, 2), " s, total ",
                              number(m.total, 2), " s");
    if (m.odmrd_peak_rss_kb > 0) line += concat(", odmrd peak ", number(megabytes(m.odmrd_peak_rss_kb), 1), " MB");
    if (m.client_peak_rss_kb > 0) line += concat(", client peak ", number(megabytes(m.client_peak_rss_kb), 1), " MB");
    return line;
}

std::string machine_description() {
    utsname system{};
    uname(&system);
    const double memory_kb = std::strtod(file_value("/proc/meminfo", "MemTotal").c_str(), nullptr);
    std::ostringstream out;
    out << "- CPU: " << file_value("/proc/cpuinfo", "model name") << ", nproc " << std::thread::hardware_concurrency()
        << "\n"
        << "- memory: " << number(memory_kb / 1024 / 1024, 1) << " GiB\n"
        << "- kernel: " << system.sysname << " " << system.release << "\n"
        << "- packages: postfix " << package_version("postfix") << ", fetchmail " << package_version("fetchmail")
        << "\n";
    return out.str();
}

std::string format_report(const BenchmarkReport& report, const std::string& machine) {
    std::ostringstream out;
    out << "Machine:\n\n" << machine << "\nCommand: `" << report.command << "`\n\n"
        << "Each cell is the median of the runs, with the minimum and maximum in brackets.\n\n";
    for (const auto& results : report.loads) write_load_section(out, results);
    write_memory_section(out, report);
    return out.str();
}

}  // namespace odmr::bench
