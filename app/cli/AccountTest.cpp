#include "Commands.h"

#include "SharedWords.h"
#include "Words.h"

#include "accounts/ConnectionTest.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountTest::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QString name = p.positionalArguments().value(0);
    if (name.isEmpty())
        return fail(Result::Usage, QStringLiteral("usage: outpost account test NAME"));
    const auto account = accountOrFail(name);
    if (!account)
        return;
    ConnectionTestOptions o;
    o.credentials = service()->credentials();
    o.settings = service()->settings();
    o.accounts = service()->accounts();
    o.oauthTokens = service()->oauthTokens();
    auto *test = new ConnectionTest(*account, o, this);
    connect(test, &ConnectionTest::logLine, this,
            [this](const QString &line) { out(line + QLatin1Char('\n')); });
    connect(
        test, &ConnectionTest::finished, this,
        [this, test, account](const SmtpResult &r, const Capabilities &caps, const QStringList &) {
            test->deleteLater();
            const QString said = words::connectionTest(r, caps, *account, words::Front::Terminal);
            if (r.ok())
                out(said);
            else
                err(said);
            if (r.errorClass == ErrorClass::Certificate)
                printUntrustedCertificate(console(), account->name,
                                          certificateFacts(r.certificateChainPem));
            // No password or no sign-in: auth refused (77); provider unreachable: 69.
            finish(resultFor(r.errorClass));
        });
    test->start();
}

} // namespace outpost::cli
