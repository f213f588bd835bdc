#pragma once
// Parser for the scripted-server case files, format version 1 (tests/cases/README.md).

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace outpost::testsupport {

/// Expands the payload escapes of case format v1: \r \n \t \\ \xHH \u{H..}, {rep:N:TEXT}
/// (nested) and {b64:TEXT} (RFC 4648 with padding). Any other character stands for itself.
/// On a malformed escape returns an empty array and sets *error (if given) to a description.
QByteArray expandPayload(QByteArrayView text, QString *error = nullptr);

/// One `key=value` pair of an EXPECT:, CHECK: or ALT: line.
struct Condition
{
    QString key;      ///< e.g. "state", "conns", "header_count"
    QStringList args; ///< the parenthesised arguments, escape-expanded: {"m1", "Subject"}
    QString op;       ///< "=", ">=" or "<="
    QByteArray raw;   ///< the value as written (not expanded)
    /// Expanded alternatives (value split at '|'; one element when there is no '|').
    /// For list keys (decoded_lines, addresses, display_names) these are the list items.
    /// For regex keys (ending in _matches) a single element holding the raw regex.
    QList<QByteArray> values;
    int line = 0; ///< 1-based line number in the case file

    bool isRegex() const { return key.endsWith(QLatin1String("_matches")); }
    bool isList() const;
    /// The pair as written, for messages: `key(args)op raw`.
    QString text() const;
};

/// Known outcome keys (README "Outcome"); a space in an EXPECT line starts a new pair only
/// before one of these.
const QStringList &outcomeKeys();

/// An attachment of a case message (`MSG m.attach: name=.. size=.. [content=..]`).
struct CaseAttachment
{
    QString name;
    qint64 size = 0;                            ///< bytes
    QString content = QStringLiteral("random"); ///< random | zero | text
    QByteArray text; ///< payload for content=text:..., repeated/cut to size
    /// The attachment bytes (random content is deterministic per name and size).
    QByteArray bytes() const;
};

/// A message a case queues (README "Messages").
struct CaseMessage
{
    QString id; ///< "m1"
    QString account = QStringLiteral("A");
    QByteArray from;               ///< UTF-8, may be "Name <addr>"
    QList<QByteArray> to, cc, bcc; ///< UTF-8
    QByteArray subject;            ///< UTF-8
    QByteArray body;               ///< UTF-8
    QList<CaseAttachment> attachments;
    QList<QByteArray> headers;     ///< "Name: value"
    std::optional<QByteArray> raw; ///< complete RFC 5322 bytes
    std::optional<QByteArray> mailFrom;
    QList<QByteArray> rcpt;
    /// Delivery status notifications to ask for (RFC 3461), as `outpost queue --notify/--ret/
    /// --envid` takes them; unset = not asked.
    std::optional<QByteArray> notify, ret, envid;
    bool toSet = false, subjectSet = false, bodySet = false, fromSet = false;
};

/// An `APP:` event.
struct AppEvent
{
    QString name;     ///< enqueue flush offline online quit kill restart set user-retry sleep cli
    QStringList args; ///< message ids, sleep ms, cli arguments
    QString account;  ///< for set: the account (default "A")
    QList<QPair<QString, QByteArray>> settings; ///< for set: key, expanded value
};

/// One dialogue directive (README "Dialogue"), in file order.
struct Directive
{
    enum class Type
    {
        Conn,
        Send,
        SendPaused,
        Client,
        ClientRegex,
        OptClient,
        OptClientRegex,
        OptRset,
        Data,
        DataPartial,
        Bdat, ///< one BDAT chunk: the command and its octets (number 1: must be LAST, 0: not)
        Tls,
        Quiet,
        Wait,
        Blackhole,
        Close,
        Abort,
        EofExpected,
        MayAbort,
        Check,
        Server,
        App,
        Expect,
        Alt
    };
    Type type = Type::Conn;
    int line = 0;                ///< 1-based line in the file
    QString source;              ///< the line as written (for messages)
    int conn = 0;                ///< connection number the line belongs to (0: global line)
    QString account;             ///< for Conn: the account (first appearance only matters)
    QByteArray bytes;            ///< Send/SendPaused/Client/OptClient: expanded bytes
    QString regex;               ///< ClientRegex/OptClientRegex: the regex as written
    qint64 number = 0;           ///< Quiet/Wait ms, DataPartial bytes, Bdat 1 = LAST
    QString text;                ///< Tls: cert kind; Server: "down"/"up"
    QList<Condition> conditions; ///< Check/Expect/Alt
    AppEvent app;                ///< App

    /// The directive's name as written in a case file ("C~", "EOF-EXPECTED").
    static QString typeName(Type t);
};

/// A whole case file.
struct CaseFile
{
    QString id, title, kind, source;
    QStringList notes;
    /// Settings per account ("A", "B", ...): the README defaults overlaid with CONFIG lines.
    /// `port` and `tls.ca` hold the placeholders "<harness>" / "<harness test CA>" unless a
    /// case sets them.
    QMap<QString, QMap<QString, QByteArray>> config;
    QStringList accountOrder; ///< accounts in order of first mention ("A" always first)
    QList<CaseMessage> messages;
    QMap<QString, QString> env; ///< SETUP: env NAME=value
    QList<Directive> dialogue;

    /// Parses a case file's bytes. Returns std::nullopt and sets *error on any syntax error.
    static std::optional<CaseFile> parse(const QByteArray &text, QString *error);
    /// Reads and parses a file.
    static std::optional<CaseFile> load(const QString &path, QString *error);

    const CaseMessage *message(const QString &id) const;
    /// An integer setting of an account (e.g. "timeout.command"), default if unset/invalid.
    qint64 intSetting(const QString &account, const QString &key, qint64 fallback = 0) const;
    QByteArray setting(const QString &account, const QString &key) const;
    /// The README's default configuration for a new account.
    static QMap<QString, QByteArray> defaultConfig(const QString &account);
};

/// Splits `key=value key=value` text at spaces that are followed by `name=` (name made of
/// [A-Za-z0-9_.-]), as CONFIG and `APP: set` lines are written. Values are not expanded.
QList<QPair<QString, QByteArray>> splitSettings(QByteArrayView text);

/// Parses the payload of an EXPECT/CHECK/ALT line into conditions (README "Outcome").
QList<Condition> parseConditions(QByteArrayView text, int line, QString *error);

} // namespace outpost::testsupport
