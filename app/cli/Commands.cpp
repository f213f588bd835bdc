#include "Commands.h"

#include "AccountFields.h"

namespace outpost::cli {

namespace {
template <typename T> CommandEntry entry(const char *name, const char *sub = "")
{
    return {QLatin1String(name), QLatin1String(sub), [](const Context &c) {
                return std::make_unique<T>(c);
            }};
}

CommandEntry action(const char *name, MessageAction::Action a)
{
    return {QLatin1String(name), QString(), [a](const Context &c) {
                return std::make_unique<MessageAction>(a, c);
            }};
}
} // namespace

const QList<CommandEntry> &commands()
{
    static const QList<CommandEntry> table = {
        entry<AccountAdd>("account", "add"),
        entry<AccountEdit>("account", "edit"),
        entry<AccountList>("account", "list"),
        entry<AccountTest>("account", "test"),
        entry<AccountLogin>("account", "login"),
        entry<AccountLogout>("account", "logout"),
        entry<AccountRemove>("account", "remove"),
        entry<AccountDefault>("account", "default"),
        entry<Queue>("queue"),
        entry<Sendmail>("sendmail"),
        entry<List>("list"),
        entry<Show>("show"),
        action("retry", MessageAction::Action::Retry),
        action("hold", MessageAction::Action::Hold),
        action("release", MessageAction::Action::Release),
        action("cancel", MessageAction::Action::Cancel),
        entry<Flush>("flush"),
        entry<Daemon>("daemon"),
        entry<Status>("status"),
        entry<Salvage>("salvage"),
        entry<Purge>("purge"),
        entry<Config>("config"),
    };
    return table;
}

QStringList commandNames()
{
    QStringList names;
    for (const CommandEntry &e : commands()) {
        if (!names.contains(e.name))
            names << e.name;
    }
    names << QStringLiteral("help");
    return names;
}

bool isGroup(const QString &name)
{
    for (const CommandEntry &e : commands()) {
        if (e.name == name)
            return !e.sub.isEmpty();
    }
    return false;
}

std::unique_ptr<Command> makeCommand(const QString &name, const QString &sub,
                                     const Context &context)
{
    for (const CommandEntry &e : commands()) {
        if (e.name == name && e.sub == sub)
            return e.make(context);
    }
    return nullptr;
}

QList<QCommandLineOption> accountOptions()
{
    // The options that set a field (add and edit) come from one table (AccountFields.h).
    return accountFieldOptions() +
           QList<QCommandLineOption>{
               {QStringLiteral("password-stdin"),
                QStringLiteral("read the password from standard input")},
               {QStringLiteral("default"), QStringLiteral("make it the default account")},
               {QStringLiteral("address"), QStringLiteral("e-mail address to find settings for"),
                QStringLiteral("ADDR")},
               {QStringLiteral("auto"), QStringLiteral("find the server from --address")},
               {QStringLiteral("yes"), QStringLiteral("save the settings --auto found")},
               {QStringLiteral("json"), QStringLiteral("JSON output")},
               {QStringLiteral("force"),
                QStringLiteral("remove: also when messages are waiting (they are failed)")},
               {QStringLiteral("oauth"), QStringLiteral("microsoft|google|custom"),
                QStringLiteral("PROVIDER")},
               {QStringLiteral("device"),
                QStringLiteral("login: sign in with a code on another device")},
               {QStringLiteral("no-browser"),
                QStringLiteral("login: print the address, open nothing")},
               {QStringLiteral("token-file"),
                QStringLiteral("login: keep the refresh token in a file (no keychain)")},
               {QStringLiteral("timeout"), QStringLiteral("login: seconds to wait for the browser"),
                QStringLiteral("SECONDS")},
           };
}

} // namespace outpost::cli
