#include "Commands.h"

#include "accounts/SentCopy.h"

#include <QCommandLineParser>

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
    return {
        {QStringLiteral("host"), QStringLiteral("server"), QStringLiteral("H")},
        {QStringLiteral("port"), QStringLiteral("port"), QStringLiteral("P")},
        {QStringLiteral("security"), QStringLiteral("tls|starttls|none"), QStringLiteral("S")},
        {QStringLiteral("auth"), QStringLiteral("mechanism"), QStringLiteral("A")},
        {QStringLiteral("user"), QStringLiteral("user"), QStringLiteral("U")},
        {QStringLiteral("from"), QStringLiteral("address"), QStringLiteral("ADDR")},
        {QStringLiteral("password-command"), QStringLiteral("shell command"),
         QStringLiteral("CMD")},
        {QStringLiteral("password-stdin"), QStringLiteral("read the password from standard input")},
        {QStringLiteral("ca-file"), QStringLiteral("trusted CA certificates"),
         QStringLiteral("PEM")},
        {QStringLiteral("pin-sha256"), QStringLiteral("certificate fingerprint"),
         QStringLiteral("HEX")},
        {QStringLiteral("allow-plain-auth"),
         QStringLiteral("allow AUTH without TLS (loopback only)")},
        {QStringLiteral("default"), QStringLiteral("make it the default account")},
        {QStringLiteral("imap-host"), QStringLiteral("IMAP server for the Sent copy"),
         QStringLiteral("H")},
        {QStringLiteral("imap-port"), QStringLiteral("IMAP port"), QStringLiteral("P")},
        {QStringLiteral("imap-security"), QStringLiteral("tls|starttls"), QStringLiteral("S")},
        {QStringLiteral("imap-user"), QStringLiteral("IMAP user"), QStringLiteral("U")},
        {QStringLiteral("sent-folder"), QStringLiteral("the Sent folder's name"),
         QStringLiteral("NAME")},
        {QStringLiteral("sent-copy"), QStringLiteral("auto|on|off"), QStringLiteral("MODE")},
        {QStringLiteral("json"), QStringLiteral("JSON output")},
        {QStringLiteral("force"),
         QStringLiteral("remove: also when messages are waiting (they are failed)")},
    };
}

QString applyImapOptions(const QCommandLineParser &p, Account *a)
{
    if (p.isSet(QStringLiteral("imap-host")))
        a->imapHost = p.value(QStringLiteral("imap-host")).trimmed();
    if (p.isSet(QStringLiteral("imap-security"))) {
        Security s = Security::Tls;
        if (!securityFromName(p.value(QStringLiteral("imap-security")), &s) || s == Security::None)
            return QStringLiteral("--imap-security is tls or starttls");
        a->imapSecurity = s;
    }
    if (p.isSet(QStringLiteral("imap-port"))) {
        bool ok = false;
        const uint port = p.value(QStringLiteral("imap-port")).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return QStringLiteral("--imap-port needs a number from 1 to 65535");
        a->imapPort = quint16(port);
    }
    if (p.isSet(QStringLiteral("imap-user")))
        a->imapUser = p.value(QStringLiteral("imap-user"));
    if (p.isSet(QStringLiteral("sent-folder")))
        a->sentFolder = p.value(QStringLiteral("sent-folder"));
    if (p.isSet(QStringLiteral("sent-copy")) &&
        !sentCopyFromName(p.value(QStringLiteral("sent-copy")), &a->sentCopy))
        return QStringLiteral("--sent-copy is auto, on or off");
    if (a->imapHost.isEmpty() && a->sentCopy == SentCopy::On)
        return QStringLiteral("--sent-copy on needs an IMAP server (--imap-host)");
    return {};
}

} // namespace outpost::cli
