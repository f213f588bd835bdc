#include "Commands.h"

#include "accounts/AccountStore.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace outpost::cli {

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
                                                                 : QJsonValue(QJsonValue::Null)}});
        }
        console().outBytes(terminalSafeJson(QJsonDocument(arr).toJson(QJsonDocument::Indented)));
        return finish(Result::Ok);
    }
    for (const Account &a : list) {
        out(QStringLiteral("%1%2\t%3:%4\t%5\t%6%7\n")
                .arg(a.name, a.name == def ? QStringLiteral(" (default)") : QString(), a.host)
                .arg(a.port)
                .arg(securityName(a.security),
                     a.user.isEmpty() ? QStringLiteral("no auth") : a.user,
                     accounts->isPaused(a.name) ? QStringLiteral("\tPAUSED") : QString()));
    }
    finish(Result::Ok);
}

} // namespace outpost::cli
