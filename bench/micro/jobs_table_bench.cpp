// odmr-fetch's jobs table parser on a table of 1 and of 100 jobs, ATRN and
// ETRN mixed, with quoted fields, options and passwords from the passwords
// file, as odmr-fetch reads it at startup and on every SIGHUP.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "shim/jobs_table.hpp"
#include "smtp/text.hpp"

namespace {

using namespace odmr;

void BM_ParseJobsTable(benchmark::State& state) {
    const auto jobs = static_cast<int>(state.range(0));
    std::string text = "# name  provider  mode  parameters  schedule  options\n";
    std::map<std::string, std::string> passwords;
    for (int i = 0; i < jobs; ++i) {
        if (i % 2 == 0) {
            text += concat("office", i, "  mx2.provider.example:366  atrn  example", i, ".com,example", i,
                           ".net;office", i, ":*  every=15m  tls=required relay=inet:127.0.0.1:10026\n");
            passwords[concat("office", i)] = concat("secret with spaces ", i);
        } else {
            text += concat("backup", i, "  backup-mx.provider.example  etrn  \"example", i,
                           ".org *;example", i, ".info\"  at=06:00,18:30\n    tls=may connect_timeout=20\n");
            passwords[concat("backup", i, "/example", i, ".org")] = concat("other:secret", i);
        }
    }
    const JobOptions defaults;

    for (auto _ : state) {
        JobsTable table = parse_jobs_table(text, "/etc/odmr/fetch-jobs", passwords, "/etc/odmr/fetch-passwords", defaults);
        if (table.jobs.size() != static_cast<std::size_t>(jobs)) {
            state.SkipWithError("the parser returned the wrong number of jobs");
            return;
        }
        benchmark::DoNotOptimize(table.jobs.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * jobs));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseJobsTable)->Arg(1)->Arg(100);

}  // namespace
