#include "Commands.h"

#include "accounts/AccountStore.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountDefault::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || pos.first().isEmpty())
        return fail(Result::Usage, QStringLiteral("usage: outpost account default NAME"));
    const auto account = accountOrFail(pos.first());
    if (!account)
        return;
    QString error;
    if (!service()->accounts()->setDefaultAccount(account->name, &error))
        return fail(Result::NotStored, error);
    finishAndNotify();
}

} // namespace outpost::cli
