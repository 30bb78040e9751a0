// The figures of a whole benchmark run: the measurements of every
// repetition with their median, minimum and maximum, and the ratios of
// odmr's paths to the paths without it. A ratio is taken per repetition,
// so both of its sides ran on the machine in the same state.
// format_report writes them as the Markdown that BENCHMARKS.md takes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/end_to_end/drain_runs.hpp"

namespace odmr::bench {

enum class DrainPath { postfix_etrn, odmr_fetch, fetchmail, odmrd_etrn };

struct LoadResults {
    MessageLoad load;
    std::map<DrainPath, std::vector<DrainMeasurement>> runs;  // one per repetition
};

// ATRN runs through odmr-fetch, each with an odmrd started just before it.
struct MemoryResults {
    MessageLoad load;
    std::vector<DrainMeasurement> runs;
};

struct BenchmarkReport {
    std::string command;
    std::vector<LoadResults> loads;
    std::vector<MemoryResults> memory;
};

// "4 KB" or "100 KB" or "50 MB" for a size in bytes (binary units).
std::string size_name(std::size_t bytes);

// One line per run for the progress output.
std::string describe_run(DrainPath path, const MessageLoad& load, const DrainMeasurement& measurement);

// nproc, the CPU model, memory, kernel, and the Postfix and fetchmail versions.
std::string machine_description();

std::string format_report(const BenchmarkReport& report, const std::string& machine);

}  // namespace odmr::bench
