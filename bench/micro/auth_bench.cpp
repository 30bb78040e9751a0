// CRAM-MD5 verification as odmrd does it for each ATRN login: decode the
// client's base64 response, split it into login and digest, compute the
// expected HMAC-MD5 digest from the stored password and compare in
// constant time. Both stored forms that allow CRAM-MD5 are measured.
#include <benchmark/benchmark.h>

#include <string>

#include "smtp/base64.hpp"
#include "smtp/password.hpp"
#include "smtp/sasl.hpp"

namespace {

using namespace odmr;

void verify_cram_md5(benchmark::State& state, const std::string& stored_text) {
    std::string error;
    const auto stored = StoredPassword::parse(stored_text, error);
    if (!stored) {
        state.SkipWithError(error.c_str());
        return;
    }
    const std::string challenge = make_cram_md5_challenge("provider.test");
    const std::string encoded_response = base64_encode(cram_md5_client_answer("alice", "alice-secret", challenge));

    for (auto _ : state) {
        const auto decoded = base64_decode(encoded_response);
        const auto response = parse_cram_md5_response(*decoded);
        const auto expected = stored->cram_md5_digest(challenge);
        const bool valid = expected && equal_in_constant_time(*expected, response->digest);
        if (!valid) {
            state.SkipWithError("the CRAM-MD5 response did not verify");
            return;
        }
        benchmark::DoNotOptimize(valid);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_VerifyCramMd5PlainPassword(benchmark::State& state) { verify_cram_md5(state, "{PLAIN}alice-secret"); }
BENCHMARK(BM_VerifyCramMd5PlainPassword);

void BM_VerifyCramMd5StoredContext(benchmark::State& state) {
    verify_cram_md5(state, make_stored_password("CRAM-MD5", "alice-secret"));
}
BENCHMARK(BM_VerifyCramMd5StoredContext);

}  // namespace
