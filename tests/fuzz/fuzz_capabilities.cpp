// libFuzzer target for Capabilities::fromEhloReply. The input is taken two ways: as server
// bytes through SmtpReplyParser (every reply it yields is parsed as an EHLO reply), and split
// at LF straight into SmtpReply lines (reaching lines the parser would refuse). The result's
// invariants are checked; a violation aborts.
#include "smtp/Capabilities.h"
#include "smtp/SmtpReplyParser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace outpost;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_capabilities: property violated: %s\n", what);
        std::abort();
    }
}

void examine(const SmtpReply &reply)
{
    const Capabilities c = Capabilities::fromEhloReply(reply);
    check(c.esmtp, "esmtp not set");
    check(c.sizeLimit >= 0, "negative SIZE");
    check(c.sizeLimit == 0 || c.sizeAdvertised, "SIZE limit without SIZE keyword");
    QStringList seen;
    for (const QString &m : c.authMechanisms) {
        check(!m.isEmpty(), "empty AUTH mechanism");
        check(m.size() <= 20, "AUTH mechanism name longer than 20");
        for (const QChar ch : m) {
            const char16_t u = ch.unicode();
            check((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_',
                  "AUTH mechanism name outside RFC 4422 syntax");
        }
        check(!seen.contains(m), "AUTH mechanism listed twice");
        seen << m;
    }
    check(c.authMechanisms.isEmpty() || c.has("auth"), "AUTH mechanisms without AUTH keyword");
    for (auto it = c.keywords.cbegin(); it != c.keywords.cend(); ++it) {
        check(it.key() == it.key().toUpper(), "keyword not upper-case");
        check(c.has(it.key().toLower()), "has() is not case-insensitive");
    }
    check(c.pipelining == c.has("PIPELINING"), "PIPELINING flag and keyword disagree");
    check(c.startTls == c.has("STARTTLS"), "STARTTLS flag and keyword disagree");
    check(c.sizeAdvertised == c.has("SIZE"), "SIZE flag and keyword disagree");
    check(c.describe().size() == c.keywords.size(), "describe() size");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    SmtpReplyParser parser;
    parser.feed(input);
    SmtpReply reply;
    while (parser.next(&reply) == SmtpReplyParser::Status::Reply)
        examine(reply);

    SmtpReply raw;
    raw.code = 250;
    raw.lines = input.split('\n');
    examine(raw);
    return 0;
}
