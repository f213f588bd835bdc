#include "Commands.h"

#include "accounts/AccountStore.h"
#include "accounts/Settings.h"

#include <QCommandLineParser>

namespace outpost::cli {

void Config::run(const QStringList &args)
{
    const QString sub = args.value(0);
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("config"), args.mid(1),
               {{QStringLiteral("account"), QStringLiteral("account"), QStringLiteral("NAME")}}))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QString account = p.value(QStringLiteral("account"));
    if (!account.isEmpty() && !accountOrFail(account))
        return;
    Settings *settings = service()->settings();
    const QStringList pos = p.positionalArguments();
    QString error;
    // An unknown key or a value out of the key's range is a usage error (64), for set, get and
    // unset alike; 78 stays for an account that does not exist.
    const auto unknownKey = [&] {
        if (!Settings::defaultValue(pos[0]).isEmpty())
            return false;
        fail(Result::Usage, Settings::validate(pos[0], QString()));
        return true;
    };
    if (sub == QLatin1String("set") && pos.size() == 2) {
        if (const QString why = Settings::validate(pos[0], pos[1]); !why.isEmpty())
            return fail(Result::Usage, why);
        if (!settings->set(account, pos[0], pos[1], &error))
            return fail(Result::NotStored, error);
        return finishAndNotify();
    }
    if (sub == QLatin1String("get") && pos.size() == 1) {
        if (unknownKey())
            return;
        out(settings->value(account, pos[0]) + QLatin1Char('\n'));
        return finish(Result::Ok);
    }
    if (sub == QLatin1String("unset") && pos.size() == 1) {
        if (unknownKey())
            return;
        if (!settings->unset(account, pos[0], &error))
            return fail(Result::NotStored, error);
        return finishAndNotify();
    }
    if (sub == QLatin1String("list")) {
        if (strayArgument(QStringLiteral("config list"), pos,
                          QStringLiteral("usage: outpost config list [--account NAME]")))
            return;
        QString text;
        for (const QString &key : Settings::keys()) {
            const QString stored = settings->storedValue(account, key);
            text += QStringLiteral("%1=%2%3\n")
                        .arg(key, settings->value(account, key),
                             stored.isEmpty() ? QStringLiteral("  (default)") : QString());
        }
        out(text);
        return finish(Result::Ok);
    }
    fail(Result::Usage,
         QStringLiteral("usage: outpost config set|get|unset|list [--account NAME] KEY [VALUE]"));
}

} // namespace outpost::cli
