#include "Commands.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "mime/Address.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSslCertificate>

namespace outpost::cli {

namespace {
/// The first line of `input` without its line end: the password given on standard input.
QString firstLine(QByteArray input)
{
    const qsizetype nl = input.indexOf('\n');
    if (nl >= 0)
        input.truncate(nl);
    if (input.endsWith('\r'))
        input.chop(1);
    return QString::fromUtf8(input);
}
} // namespace

void AccountAdd::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QStringList pos = p.positionalArguments();
    Account a;
    a.name = pos.value(0);
    a.host = p.value(QStringLiteral("host"));
    if (p.isSet(QStringLiteral("security")) &&
        !securityFromName(p.value(QStringLiteral("security")), &a.security))
        return fail(Result::Usage, QStringLiteral("--security is tls, starttls or none"));
    a.port = Account::defaultPort(a.security);
    if (p.isSet(QStringLiteral("port"))) {
        bool ok = false;
        const uint port = p.value(QStringLiteral("port")).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return fail(Result::Usage, QStringLiteral("--port needs a number from 1 to 65535"));
        a.port = quint16(port);
    }
    a.auth = p.isSet(QStringLiteral("auth")) ? p.value(QStringLiteral("auth")).toLower()
                                             : QStringLiteral("auto");
    a.user = p.value(QStringLiteral("user"));
    a.from = p.value(QStringLiteral("from"));
    a.passwordCommand = p.value(QStringLiteral("password-command"));
    a.allowPlainAuth = p.isSet(QStringLiteral("allow-plain-auth"));
    if (p.isSet(QStringLiteral("ca-file"))) {
        a.caFile = QFileInfo(p.value(QStringLiteral("ca-file"))).absoluteFilePath();
        if (QSslCertificate::fromPath(a.caFile, QSsl::Pem).isEmpty())
            return fail(Result::BadInput,
                        QStringLiteral("%1 holds no PEM certificate").arg(a.caFile));
    }
    a.pinSha256 = p.value(QStringLiteral("pin-sha256")).toLower();
    if (!a.from.isEmpty()) {
        // A display name is welcome, as in the window: "Alice Example <alice@example.org>".
        const mime::AddressListResult from = mime::parseAddressList(a.from);
        if (!from.ok())
            return fail(Result::BadInput, QStringLiteral("--from %1: %2").arg(a.from, from.error));
        if (from.mailboxes.size() != 1)
            return fail(Result::BadInput,
                        QStringLiteral("--from %1: give exactly one address").arg(a.from));
    }
    if (const QString why = applyImapOptions(p, &a); !why.isEmpty())
        return fail(Result::Usage, why);
    if (a.name.isEmpty() || a.host.isEmpty())
        return fail(Result::Usage, QStringLiteral("usage: outpost account add NAME --host H ..."));
    for (const QChar c : std::as_const(a.name)) {
        // A name is shown in lists, logs and the tray: no control characters.
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return fail(Result::Usage,
                        QStringLiteral("an account name cannot hold control characters: \"%1\"")
                            .arg(a.name));
    }
    const bool fromStdin = p.isSet(QStringLiteral("password-stdin"));
    if (p.isSet(QStringLiteral("password-command")) && fromStdin)
        return fail(Result::Usage,
                    QStringLiteral("give --password-command or --password-stdin, not both"));
    AccountStore *accounts = service()->accounts();
    QString error;
    if (!accounts->add(a, &error))
        return fail(Result::NotStored, error);
    if (p.isSet(QStringLiteral("default")) || accounts->list().size() == 1)
        accounts->setDefaultAccount(a.name, &error);
    if (!fromStdin)
        return finishAndNotify();
    QByteArray input;
    console().readInput(&input); // standard input that cannot be read: an empty password
    const QString name = a.name;
    service()->credentials()->writePassword(
        name, firstLine(input), [this, name](bool ok, const QString &e) {
            if (ok)
                return finishAndNotify();
            err(QStringLiteral("the account was added, but its password could not be stored in "
                               "the system keychain (%1). Use --password-command instead, e.g. "
                               "outpost account remove %2 && outpost account add %2 ... "
                               "--password-command 'pass show mail/%2'")
                    .arg(e, name));
            finishAndNotify(Result::NotStored);
        });
}

} // namespace outpost::cli
