// ATRN and ETRN sent to Postfix's SMTP port with odmr-milter in front: the
// replies a client receives, with and without the command filter from
// conf-examples/postfix/odmr_command_filter.
#include "tests/milter/milter_fixture.hpp"

namespace odmr::test {
namespace {

class SmtpCommands : public MilterFixture {
protected:
    // Installs the command filter as main.cf.milter describes it.
    void start_with_command_filter(std::vector<std::string> milter_settings = {}) {
        write_file(directory_.file("odmr_command_filter"), conf_example("postfix/odmr_command_filter"));
        MilterSetup setup;
        setup.main_cf = {"smtpd_command_filter = regexp:" + directory_.file("odmr_command_filter")};
        setup.milter_settings = std::move(milter_settings);
        start_all(setup);
    }
};

TEST_F(SmtpCommands, AtrnGetsPointerToOdmrPort) {
    start_all(MilterSetup{});
    auto client = connect();

    const Reply reply = client->command("ATRN example.com");

    EXPECT_EQ(reply.code, 502);
    EXPECT_EQ(reply.lines.front(), "5.5.1 ATRN is served on the ODMR port 366 (RFC 2645), not on this port");
}

TEST_F(SmtpCommands, AtrnBeforeEhloGetsPointer) {
    start_all(MilterSetup{});
    ScriptedClient client(provider_->smtp_port());
    ASSERT_EQ(client.read_reply().code, 220);

    const Reply reply = client.command("atrn");

    EXPECT_EQ(reply.code, 502);
    EXPECT_NE(reply.lines.front().find("ODMR port 366"), std::string::npos) << reply.summary();
}

TEST_F(SmtpCommands, OtherUnknownCommandGetsPostfixReply) {
    start_all(MilterSetup{});
    auto client = connect();

    const Reply reply = client->command("XFROB example.com");

    EXPECT_EQ(reply.code, 500);
    EXPECT_EQ(reply.lines.front(), "5.5.2 Error: command not recognized");
}

TEST_F(SmtpCommands, EtrnWithPasswordGetsPostfixSyntaxError) {
    // Without the command filter Postfix never passes ETRN to the milter,
    // and Postfix 3.7 replies to the password form itself.
    start_all(MilterSetup{});
    auto client = connect();

    const Reply reply = client->command("ETRN example.com secret");

    EXPECT_EQ(reply.code, 500);
    EXPECT_EQ(reply.lines.front(), "Syntax: ETRN domain");
}

TEST_F(SmtpCommands, EtrnWithPasswordThroughFilterGetsPointer) {
    start_with_command_filter();
    auto client = connect();

    const Reply reply = client->command("ETRN example.com secret");

    EXPECT_EQ(reply.code, 502);
    EXPECT_EQ(reply.lines.front(), "5.5.1 ETRN with a password is not served on this port; use ATRN on the ODMR port 366");
}

TEST_F(SmtpCommands, EtrnWithPasswordThroughFilterNamesEtrnPort) {
    start_with_command_filter({"etrn_port = 1025"});
    auto client = connect();

    const Reply reply = client->command("ETRN example.com secret");

    EXPECT_EQ(reply.code, 502);
    EXPECT_EQ(reply.lines.front(), "5.5.1 ETRN with a password is served on port 1025, not on this port");
}

TEST_F(SmtpCommands, EtrnWithoutPasswordPassesFilter) {
    start_with_command_filter();
    auto client = connect();

    const Reply queue_domain = client->command("ETRN example.com");
    const Reply other_domain = client->command("ETRN elsewhere.test");

    EXPECT_EQ(queue_domain.code, 250) << queue_domain.summary();
    EXPECT_EQ(other_domain.code, 459) << other_domain.summary();
}

TEST_F(SmtpCommands, FilterPutsPasswordInPostfixLog) {
    // The reason main.cf.milter leaves the filter commented out: Postfix
    // 3.7 logs every replaced command line in full.
    start_with_command_filter();
    auto client = connect();

    client->command("ETRN example.com s3cret-word");
    client->command("QUIT");

    EXPECT_TRUE(provider_->wait_for_log("replacing command", std::chrono::seconds(10)));
    EXPECT_NE(provider_->log().find("s3cret-word"), std::string::npos);
}

}  // namespace
}  // namespace odmr::test
