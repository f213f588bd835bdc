// libFuzzer target for the SASL client mechanisms (core/smtp/Sasl.h). Input: the first byte
// picks the mechanism, the rest is split at LF into decoded server challenges. Properties:
// no crash, a refusal always has an errorString(), secrets never appear in errorString(),
// and a mechanism that refused once refuses every further challenge. Inputs asking SCRAM for more
// than 10000 PBKDF2 iterations are skipped (slow by design, bounded by the mechanism's own limit).
#include "smtp/Sasl.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace outpost;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_sasl: property violated: %s\n", what);
        std::abort();
    }
}

bool asksManyIterations(const QByteArray &in)
{
    for (qsizetype at = in.indexOf("i="); at >= 0; at = in.indexOf("i=", at + 1)) {
        qsizetype i = at + 2;
        while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '+'))
            ++i;
        qint64 n = 0;
        while (i < in.size() && in[i] >= '0' && in[i] <= '9' && n <= 10000)
            n = n * 10 + (in[i++] - '0');
        if (n > 10000)
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if (asksManyIterations(input))
        return 0;
    const QStringList names = supportedSaslMechanisms();
    const QString name = names.at(data[0] % names.size());
    SaslCredentials creds;
    creds.user = QStringLiteral("us=er,\u00e4");
    creds.password = QStringLiteral("s3cr3t-p\u00e4ss");
    creds.oauthToken = QStringLiteral("tok-SECRET");
    auto mech =
        createSaslMechanism(name, creds, [] { return QByteArray("fyko+d2lbbFgONRv9qkxdawL"); });
    check(mech != nullptr, "supported mechanism not created");
    (void)mech->initialResponse();
    bool failed = false;
    // Server text may be quoted in errorString(); only secrets the server never sent count.
    const bool echoesSecret = input.contains("s3cr3t") || input.contains("SECRET");
    for (const QByteArray &challenge : input.split('\n')) {
        const auto r = mech->respond(challenge);
        const QString err = mech->errorString();
        check(echoesSecret || (!err.contains(QLatin1String("s3cr3t")) &&
                               !err.contains(QLatin1String("SECRET"))),
              "secret in errorString()");
        if (!r) {
            check(!err.isEmpty(), "refusal without errorString()");
            failed = true;
        } else {
            check(!failed, "answered after a refusal");
        }
    }
    return 0;
}
