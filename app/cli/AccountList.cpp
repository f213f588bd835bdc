#include "Commands.h"

#include "accounts/AccountStore.h"
#include "accounts/SentCopy.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace outpost::cli {

namespace {
/// The Sent copy's settings: null without an IMAP server.
QJsonValue imapJson(const Account &a)
{
    if (a.imapHost.isEmpty())
        return QJsonValue::Null;
    return QJsonObject{{QStringLiteral("host"), a.imapHost},
                       {QStringLiteral("port"), a.effectiveImapPort()},
                       {QStringLiteral("security"), securityName(a.imapSecurity)},
                       {QStringLiteral("user"), a.effectiveImapUser()},
                       {QStringLiteral("sent_folder"), a.sentFolder},
                       {QStringLiteral("sent_copy"), sentCopyName(a.sentCopy)},
                       {QStringLiteral("sent_copy_effective"), sentCopyEffective(a)}};
}

/// "\tsent copy: imap.example.org:993 tls Sent (on)" for the text list, "" without IMAP.
QString imapLine(const Account &a)
{
    if (a.imapHost.isEmpty())
        return {};
    const QString mode =
        a.sentCopy == SentCopy::Auto
            ? QStringLiteral("auto: %1")
                  .arg(sentCopyEffective(a) ? QStringLiteral("on") : QStringLiteral("off"))
            : sentCopyName(a.sentCopy);
    return QStringLiteral("\tsent copy %1 via %2:%3 %4%5")
        .arg(mode, a.imapHost)
        .arg(a.effectiveImapPort())
        .arg(securityName(a.imapSecurity),
             a.sentFolder.isEmpty() ? QString() : QStringLiteral(" to \"%1\"").arg(a.sentFolder));
}
} // namespace

void AccountList::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    if (strayArgument(QStringLiteral("account list"), p.positionalArguments(),
                      QStringLiteral("usage: outpost account list [--json]")))
        return;
    const AccountStore *accounts = service()->accounts();
    const QList<Account> list = accounts->list();
    const QString def = accounts->defaultAccount();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const Account &a : list) {
            arr.append(QJsonObject{{QStringLiteral("name"), a.name},
                                   {QStringLiteral("host"), a.host},
                                   {QStringLiteral("port"), a.port},
                                   {QStringLiteral("security"), securityName(a.security)},
                                   {QStringLiteral("auth"), a.auth},
                                   {QStringLiteral("user"), a.user},
                                   {QStringLiteral("from"), a.from},
                                   {QStringLiteral("default"), a.name == def},
                                   {QStringLiteral("paused"), accounts->isPaused(a.name)},
                                   {QStringLiteral("oauth"), a.oauth.enabled()
                                                                 ? QJsonValue(a.oauth.provider)
                                                                 : QJsonValue(QJsonValue::Null)},
                                   {QStringLiteral("imap"), imapJson(a)}});
        }
        console().outBytes(terminalSafeJson(QJsonDocument(arr).toJson(QJsonDocument::Indented)));
        return finish(Result::Ok);
    }
    for (const Account &a : list) {
        out(QStringLiteral("%1%2\t%3:%4\t%5\t%6%7%8\n")
                .arg(a.name, a.name == def ? QStringLiteral(" (default)") : QString(), a.host)
                .arg(a.port)
                .arg(securityName(a.security),
                     a.user.isEmpty() ? QStringLiteral("no auth") : a.user,
                     accounts->isPaused(a.name) ? QStringLiteral("\tPAUSED") : QString(),
                     imapLine(a)));
    }
    finish(Result::Ok);
}

} // namespace outpost::cli
