#include "Commands.h"

#include "accounts/AccountStore.h"

#include <QCommandLineParser>

namespace outpost::cli {

void AccountEdit::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("account"), args, accountOptions()))
        return;
    if (const Result r = openStore(); r != Result::Ok)
        return finish(r);
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 || pos.first().isEmpty())
        return fail(Result::Usage,
                    QStringLiteral("usage: outpost account edit NAME [--imap-host H] ..."));
    // Only the Sent copy's settings change in place for now; the submission server's are set
    // by removing and adding the account.
    static const QStringList imapOnly = {
        QStringLiteral("imap-host"), QStringLiteral("imap-port"),   QStringLiteral("imap-security"),
        QStringLiteral("imap-user"), QStringLiteral("sent-folder"), QStringLiteral("sent-copy")};
    for (const QString &name : p.optionNames()) {
        if (!imapOnly.contains(name))
            return fail(Result::Usage,
                        QStringLiteral("account edit changes only --imap-host, --imap-port, "
                                       "--imap-security, --imap-user, --sent-folder and "
                                       "--sent-copy (not --%1)")
                            .arg(name));
    }
    auto account = accountOrFail(pos.first());
    if (!account)
        return;
    if (const QString why = applyImapOptions(p, &*account); !why.isEmpty())
        return fail(Result::Usage, why);
    QString error;
    if (!service()->accounts()->update(*account, &error))
        return fail(Result::NotStored, error);
    finishAndNotify();
}

} // namespace outpost::cli
