#include "Cli.h"

#include "SignalWatcher.h"
#include "Words.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "mime/Address.h"
#include "mime/MessageComposer.h"
#include "mime/ReplyContext.h"
#include "outbox/Connectivity.h"
#include "outbox/Dispatcher.h"
#include "outbox/MessageJson.h"
#include "outbox/Service.h"
#include "smtp/SmtpSession.h"
#include "smtp/Transport.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

namespace outpost {

namespace {

const QStringList kCommands = {
    QStringLiteral("account"), QStringLiteral("queue"),   QStringLiteral("sendmail"),
    QStringLiteral("list"),    QStringLiteral("show"),    QStringLiteral("retry"),
    QStringLiteral("hold"),    QStringLiteral("release"), QStringLiteral("cancel"),
    QStringLiteral("flush"),   QStringLiteral("config"),  QStringLiteral("help"),
};

void outBytes(const QByteArray &b)
{
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
    std::fflush(stdout);
}

/// True for the characters that reorder or hide text on a terminal: the bidirectional
/// embeddings, overrides, isolates and marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
/// U+061C). A server reply with U+202E would print "gnp.exe" as "exe.png".
bool isBidiControl(char16_t u)
{
    return (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) || u == 0x200e ||
           u == 0x200f || u == 0x061c;
}

/// `s` safe to print on a terminal: control characters other than newline and tab (C0, DEL,
/// C1) and bidirectional controls become U+FFFD, so a server's reply, a message's subject or
/// a host name cannot carry terminal escape sequences (retitling the window, hiding text) or
/// reorder what is shown. Every text line the command line prints goes through here.
QString printable(QString s)
{
    for (QChar &c : s) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7f && u <= 0x9f) || isBidiControl(u))
            c = QChar(QChar::ReplacementCharacter);
    }
    return s;
}

/// JSON (UTF-8 from QJsonDocument, which escapes C0 already) with C1 and bidirectional
/// controls written as \uXXXX escapes: the same value for a program, harmless on a terminal.
QByteArray terminalSafeJson(QByteArray json)
{
    if (!json.contains('\xc2') && !json.contains('\xd8') && !json.contains('\xe2'))
        return json;
    const QString text = QString::fromUtf8(json);
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if ((u >= 0x7f && u <= 0x9f) || isBidiControl(u))
            out += QStringLiteral("\\u%1").arg(uint(u), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out.toUtf8();
}

void out(const QString &s)
{
    outBytes(printable(s).toUtf8());
}

void err(const QString &s)
{
    const QByteArray b = (QStringLiteral("outpost: ") + printable(s) + QLatin1Char('\n')).toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::fflush(stderr);
}

/// Builds a DSN request from the words the user gave (nullopt = option not given). Prints
/// the problem and returns false when one is refused. `optionNames` are the NOTIFY, RET and
/// ENVID options as the user wrote them ("--notify" or "-N", ...).
bool dsnFromOptions(const std::optional<QString> &notify, const std::optional<QString> &ret,
                    const std::optional<QString> &envid, const QStringList &optionNames,
                    DsnRequest *out)
{
    DsnRequest d;
    if (notify) {
        QString bad;
        const DsnProblem p = parseDsnNotify(*notify, &d.notify, &bad);
        if (p != DsnProblem::None) {
            err(words::describeDsnProblem(p, optionNames.value(0), bad));
            return false;
        }
    }
    if (ret) {
        const DsnProblem p = parseDsnRet(*ret, &d.ret);
        if (p != DsnProblem::None) {
            err(words::describeDsnProblem(p, optionNames.value(1), *ret));
            return false;
        }
    }
    if (envid) {
        const DsnProblem p = checkDsnEnvid(*envid);
        if (p != DsnProblem::None) {
            err(words::describeDsnProblem(p, optionNames.value(2), *envid));
            return false;
        }
        d.envid = envid->toLatin1();
    }
    *out = d;
    return true;
}

QString dataDirFrom(QStringList *args)
{
    QString dir;
    for (qsizetype i = 1; i < args->size(); ++i) {
        const QString a = args->at(i);
        if (a == QLatin1String("--data-dir") && i + 1 < args->size()) {
            dir = args->at(i + 1);
            args->remove(i, 2);
            break;
        }
        if (a.startsWith(QLatin1String("--data-dir="))) {
            dir = a.mid(11);
            args->remove(i);
            break;
        }
    }
    if (dir.isEmpty())
        dir = qEnvironmentVariable("OUTPOST_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return dir;
}

QByteArray readInput(const QString &path, QString *error)
{
    if (path == QLatin1String("-")) {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read standard input");
            return {};
        }
        return in.readAll();
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
        return {};
    }
    return f.readAll();
}

} // namespace

bool isCliCommand(const QStringList &args)
{
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a == QLatin1String("--data-dir")) {
            ++i; // its value
            continue;
        }
        if (a.startsWith(QLatin1Char('-')))
            continue;
        return kCommands.contains(a);
    }
    return false;
}

struct Cli::Impl
{
    Cli *q;
    QString dataDir;
    QStringList args; // after the command name
    std::unique_ptr<Service> service;
    MemoryCredentialStore memoryCredentials;
    bool finished = false;
    int handOverRetries = 0; // flush: the lock holder went away before it answered

    /// Tells how to move a damaged outbox aside (nothing was changed in it).
    void explainDamaged()
    {
        const QString db = QDir(dataDir).filePath(QStringLiteral("outbox.sqlite"));
        err(QStringLiteral("nothing was changed. To start with an empty outbox, move the damaged "
                           "file aside:\n"
                           "  mv '%1' '%1.damaged'  (and the same for '%1-wal' if it exists)")
                .arg(db));
    }
    /// Reports a read of the outbox that failed after it was opened; returns the exit code:
    /// 78 for a damaged file (with how to move it aside), 73 otherwise.
    int readFailed(const ReadFailure &f)
    {
        const QString db = QDir(dataDir).filePath(QStringLiteral("outbox.sqlite"));
        if (f.damaged) {
            err(QStringLiteral("%1 is damaged: %2").arg(db, f.detail));
            explainDamaged();
            return exitcode::Config;
        }
        err(QStringLiteral("cannot read %1: %2").arg(db, f.detail));
        return exitcode::CantCreate;
    }
    /// Opens the outbox without dispatching (for commands that only read or change it).
    /// `readOnly` (list, show): no integrity check at open, writes refused
    /// (Database::Access::ReadOnly); damage met while reading is reported by readFailed().
    bool openStore(int *code, bool readOnly = false)
    {
        ServiceOptions o;
        o.dataDir = dataDir;
        o.singleInstance = false;
        o.dispatch = false;
        o.readOnly = readOnly;
        service = std::make_unique<Service>(o);
        QString error;
        if (!service->open(&error)) {
            *code = openFailed(error);
            return false;
        }
        noteTightened();
        return true;
    }
    /// Says which outbox files were made private at open (existing installs had 0755/0644).
    void noteTightened()
    {
        const QString note = words::describeTightened(service->dataDirCheck());
        if (!note.isEmpty())
            err(note);
    }
    /// Says why service->open() failed and returns the exit code: 77 for a data folder that is
    /// not this user's alone (73 for one that cannot be made), 78 (with the advice to move it
    /// aside) for a damaged outbox, 75 while it is locked, else 73.
    int openFailed(const QString &error)
    {
        if (const DataDirCheck &c = service->dataDirCheck(); !c.ok()) {
            err(words::describeDataDir(c));
            const bool cannotMake = c.problem == DataDirProblem::CannotCreate ||
                                    c.problem == DataDirProblem::NotADirectory;
            return cannotMake ? exitcode::CantCreate : exitcode::NoPerm;
        }
        err(error);
        if (service->databaseErrorKind() == int(Database::OpenError::Corrupt)) {
            explainDamaged();
            return exitcode::Config;
        }
        if (service->databaseErrorKind() == int(Database::OpenError::Locked))
            return exitcode::TempFail;
        return exitcode::CantCreate;
    }
    /// Tells a running instance that the outbox changed (best effort), then finishes.
    void notifyAndFinish(int code)
    {
        Service::sendToRunningInstance(
            dataDir, InstanceRequest{InstanceVerb::Changed, {}}, q,
            [this, code](bool, const InstanceReply &) { q->done(code); });
    }
};

Cli::Cli(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Impl>())
{
    d->q = this;
}

Cli::~Cli() = default;

void Cli::done(int code)
{
    if (d->finished)
        return;
    d->finished = true;
    QTimer::singleShot(0, this, [this, code] { emit finished(code); });
}

static const char kUsage[] =
    "usage: outpost [--data-dir DIR] COMMAND ...\n"
    "\n"
    "  (no command)                 start the desktop app [--offline] [--minimized]\n"
    "  account add NAME --host H [--port P] [--security tls|starttls|none]\n"
    "        [--auth auto|none|plain|login|scram-sha-256|cram-md5|xoauth2|oauthbearer]\n"
    "        [--user U] [--from ADDR] [--password-command CMD | --password-stdin]\n"
    "        [--ca-file PEM] [--pin-sha256 HEX] [--allow-plain-auth] [--default]\n"
    "  account list [--json] | account test NAME | account remove NAME [--force]\n"
    "  account default NAME\n"
    "  queue [--account NAME] [--from ADDR] --to ADDR [--to ...] [--cc ...] [--bcc ...]\n"
    "        [--subject TEXT] [--body TEXT | --body-file F] [--html-file F] [--attach F ...]\n"
    "        [--send-at ISO-8601]                      prints the new message id\n"
    "        [--reply-to-eml FILE]     a reply to FILE: To from its Reply-To/From, \"Re: \" "
    "Subject,\n"
    "                                  In-Reply-To and References (--to / --subject win)\n"
    "  queue [--account NAME] --eml FILE|- [--send-at ISO-8601]\n"
    "                                  queue an existing RFC 5322 message as it is (--to,\n"
    "                                  --subject, --attach, ... are refused with it)\n"
    "        both take [--notify success,failure,delay|never] [--ret full|hdrs] [--envid ID]:\n"
    "        delivery status notifications (RFC 3461), asked of servers that offer DSN\n"
    "  sendmail [-t] [-i] [-oi] [-f ADDR] [-F NAME] [-N DSN] [-R full|hdrs] [-V ENVID]\n"
    "        [RCPT ...]                               queue from standard input\n"
    "  list [--state S] [--json]\n"
    "  show ID [--json]\n"
    "  retry ID | hold ID | release ID | cancel ID\n"
    "  flush [--timeout SECONDS] [--verbose]          send all due messages now, QUIT, exit\n"
    "  config set [--account NAME] KEY VALUE | config get|unset [--account NAME] KEY | config "
    "list\n"
    "\n"
    "The outbox lives in --data-dir, else $OUTPOST_DATA_DIR, else the platform's data folder.\n"
    "Exit codes: 0 done, 64 usage, 65 bad input, 69 server unavailable, 73 cannot create the data\n"
    "folder or outbox, 75 deferred (try again later), 77 auth, 78 configuration.\n";

/// The lines of kUsage that describe `command` (with their continuation lines), under the
/// general usage line.
static QString commandUsage(const QString &command)
{
    const QStringList lines = QString::fromLatin1(kUsage).split(QLatin1Char('\n'));
    const QRegularExpression entry(
        QStringLiteral("(^|\\| )%1( |$)").arg(QRegularExpression::escape(command)));
    QString text = lines.value(0) + QLatin1String("\n\n");
    bool inEntry = false;
    for (qsizetype i = 2; i < lines.size(); ++i) { // after the usage line and a blank one
        const QString &l = lines[i];
        if (l.isEmpty())
            break;
        const bool isEntry = l.startsWith(QLatin1String("  ")) && l.size() > 2 && l[2] != u' ';
        if (isEntry)
            inEntry = entry.match(l.mid(2)).hasMatch();
        if (inEntry)
            text += l + QLatin1Char('\n');
    }
    return text;
}

void Cli::run(const QStringList &all)
{
    QStringList args = all;
    d->dataDir = dataDirFrom(&args);
    args.removeFirst(); // program name
    // Before the command only --data-dir (taken above) and --help belong to the command line;
    // the desktop app's options do nothing here, and a mistyped option must not be dropped.
    const auto isHelp = [](const QString &a) {
        return a == QLatin1String("--help") || a == QLatin1String("-h");
    };
    while (!args.isEmpty() && args.first().startsWith(QLatin1Char('-')) && !isHelp(args.first())) {
        const QString option = args.first();
        if (option == QLatin1String("--offline") || option == QLatin1String("--minimized"))
            err(QStringLiteral("%1 is an option of the desktop app, not of the command line "
                               "(outpost help)")
                    .arg(printable(option)));
        else
            err(QStringLiteral("unknown option %1 (outpost help lists the options)")
                    .arg(printable(option)));
        done(exitcode::Usage);
        return;
    }
    if (args.isEmpty() || args.first() == QLatin1String("help") || isHelp(args.first())) {
        out(QString::fromLatin1(kUsage));
        done(args.isEmpty() ? exitcode::Usage : exitcode::Ok);
        return;
    }
    const QString command = args.takeFirst();
    d->args = args;
    int code = exitcode::Ok;

    // A command that takes no positional argument refuses one (64) instead of ignoring it.
    const auto strayArgument = [this](const QString &what, const QStringList &positional,
                                      const QString &hint) {
        if (positional.isEmpty())
            return false;
        err(QStringLiteral("%1 takes no argument \"%2\" (%3)")
                .arg(what, printable(positional.first()), hint));
        done(exitcode::Usage);
        return true;
    };

    // `outpost COMMAND … --help` (or -h) shows that command's usage and does nothing else,
    // wherever it stands before a "--".
    for (const QString &a : std::as_const(args)) {
        if (a == QLatin1String("--"))
            break;
        if (isHelp(a)) {
            out(commandUsage(command));
            done(exitcode::Ok);
            return;
        }
    }

    auto parser = [](const QString &cmd, const QStringList &a,
                     const QList<QCommandLineOption> &opts, QCommandLineParser *p) {
        p->setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
        p->addOptions(opts);
        p->addHelpOption();
        // A negative number given as a positional value ("config set KEY -3") would read as
        // the option "-3": such arguments go after "--", in their order, so that they stay
        // values and the setting's own check explains what is wrong with them.
        QStringList named, negatives;
        for (qsizetype i = 0; i < a.size(); ++i) {
            static const QRegularExpression number(QStringLiteral("^-[0-9][0-9.]*$"));
            const QString &arg = a[i];
            bool optionValue = false;
            if (i > 0) {
                const QString prev = a[i - 1];
                for (const QCommandLineOption &o : opts)
                    for (const QString &n : o.names())
                        if (!o.valueName().isEmpty() &&
                            (prev == QLatin1String("--") + n || prev == QLatin1String("-") + n))
                            optionValue = true;
            }
            if (!optionValue && number.match(arg).hasMatch())
                negatives << arg;
            else
                named << arg;
        }
        if (!negatives.isEmpty() && !named.contains(QLatin1String("--")))
            named << QStringLiteral("--") << negatives;
        else
            named << negatives;
        if (!p->parse(QStringList{QStringLiteral("outpost ") + cmd} + named)) {
            err(p->errorText());
            return false;
        }
        return true;
    };

    // ---- account ----------------------------------------------------------------------
    if (command == QLatin1String("account")) {
        const QString sub = args.value(0);
        QCommandLineParser p;
        const QList<QCommandLineOption> opts = {
            {QStringLiteral("host"), QStringLiteral("server"), QStringLiteral("H")},
            {QStringLiteral("port"), QStringLiteral("port"), QStringLiteral("P")},
            {QStringLiteral("security"), QStringLiteral("tls|starttls|none"), QStringLiteral("S")},
            {QStringLiteral("auth"), QStringLiteral("mechanism"), QStringLiteral("A")},
            {QStringLiteral("user"), QStringLiteral("user"), QStringLiteral("U")},
            {QStringLiteral("from"), QStringLiteral("address"), QStringLiteral("ADDR")},
            {QStringLiteral("password-command"), QStringLiteral("shell command"),
             QStringLiteral("CMD")},
            {QStringLiteral("password-stdin"),
             QStringLiteral("read the password from standard input")},
            {QStringLiteral("ca-file"), QStringLiteral("trusted CA certificates"),
             QStringLiteral("PEM")},
            {QStringLiteral("pin-sha256"), QStringLiteral("certificate fingerprint"),
             QStringLiteral("HEX")},
            {QStringLiteral("allow-plain-auth"),
             QStringLiteral("allow AUTH without TLS (loopback only)")},
            {QStringLiteral("default"), QStringLiteral("make it the default account")},
            {QStringLiteral("json"), QStringLiteral("JSON output")},
            {QStringLiteral("force"),
             QStringLiteral("remove: also when messages are waiting (they are failed)")},
        };
        if (!parser(QStringLiteral("account"), args.mid(1), opts, &p)) {
            done(exitcode::Usage);
            return;
        }
        const QStringList pos = p.positionalArguments();
        if (!d->openStore(&code)) {
            done(code);
            return;
        }
        AccountStore *accounts = d->service->accounts();
        if (sub == QLatin1String("list")) {
            if (strayArgument(QStringLiteral("account list"), pos,
                              QStringLiteral("usage: outpost account list [--json]")))
                return;
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
                                           {QStringLiteral("paused"), accounts->isPaused(a.name)}});
                }
                outBytes(terminalSafeJson(QJsonDocument(arr).toJson(QJsonDocument::Indented)));
            } else {
                for (const Account &a : list) {
                    out(QStringLiteral("%1%2\t%3:%4\t%5\t%6%7\n")
                            .arg(a.name, a.name == def ? QStringLiteral(" (default)") : QString(),
                                 a.host)
                            .arg(a.port)
                            .arg(securityName(a.security),
                                 a.user.isEmpty() ? QStringLiteral("no auth") : a.user,
                                 accounts->isPaused(a.name) ? QStringLiteral("\tPAUSED")
                                                            : QString()));
                }
            }
            done(exitcode::Ok);
            return;
        }
        if (sub == QLatin1String("remove") || sub == QLatin1String("default")) {
            QString error;
            const QString name = pos.value(0);
            if (name.isEmpty() || pos.size() != 1) {
                err(QStringLiteral("usage: outpost account %1 NAME%2")
                        .arg(sub, sub == QLatin1String("remove") ? QStringLiteral(" [--force]")
                                                                 : QString()));
                done(exitcode::Usage);
                return;
            }
            // An account that does not exist: 78, as for `account test`, `account default`,
            // `queue --account` and `config --account` (never 0 as if it had been removed).
            if (!accounts->find(name)) {
                err(QStringLiteral("no account named \"%1\" (outpost account list shows them)")
                        .arg(name));
                done(exitcode::Config);
                return;
            }
            if (sub == QLatin1String("remove")) {
                // Its waiting messages could never be sent: refuse, or fail them (--force),
                // never leave them queued with no account.
                const int unsent = d->service->outbox()->unsentCount(name);
                if (unsent > 0 && !p.isSet(QStringLiteral("force"))) {
                    err(QStringLiteral("account \"%1\" still has %2 message(s) not sent "
                                       "(queued, held or being sent): send them (outpost flush), "
                                       "cancel them (outpost cancel ID), or remove the account "
                                       "with --force, which fails them")
                            .arg(name)
                            .arg(unsent));
                    done(exitcode::DataErr);
                    return;
                }
                if (unsent > 0) {
                    const int failed = d->service->storage()->writeNow(
                        &OutboxWriter::failAccount, name,
                        QStringLiteral("the account \"%1\" was removed").arg(name));
                    if (failed < 0) {
                        err(QStringLiteral("could not write the outbox; the account was kept"));
                        done(exitcode::TempFail);
                        return;
                    }
                    err(QStringLiteral("%1 message(s) of account \"%2\" failed: the account was "
                                       "removed (a message being sent now is not stopped)")
                            .arg(failed)
                            .arg(name));
                }
            }
            const bool ok = sub == QLatin1String("remove")
                                ? accounts->remove(name, &error)
                                : accounts->setDefaultAccount(name, &error);
            if (!ok) {
                err(error);
                done(exitcode::Config);
                return;
            }
            if (sub == QLatin1String("remove"))
                d->service->credentials()->removePassword(name, [](bool, const QString &) {});
            d->notifyAndFinish(exitcode::Ok);
            return;
        }
        if (sub == QLatin1String("add")) {
            Account a;
            a.name = pos.value(0);
            a.host = p.value(QStringLiteral("host"));
            if (p.isSet(QStringLiteral("security")) &&
                !securityFromName(p.value(QStringLiteral("security")), &a.security)) {
                err(QStringLiteral("--security is tls, starttls or none"));
                done(exitcode::Usage);
                return;
            }
            a.port = Account::defaultPort(a.security);
            if (p.isSet(QStringLiteral("port"))) {
                bool ok = false;
                const uint port = p.value(QStringLiteral("port")).toUInt(&ok);
                if (!ok || port == 0 || port > 65535) {
                    err(QStringLiteral("--port needs a number from 1 to 65535"));
                    done(exitcode::Usage);
                    return;
                }
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
                if (QSslCertificate::fromPath(a.caFile, QSsl::Pem).isEmpty()) {
                    err(QStringLiteral("%1 holds no PEM certificate").arg(a.caFile));
                    done(exitcode::DataErr);
                    return;
                }
            }
            a.pinSha256 = p.value(QStringLiteral("pin-sha256")).toLower();
            if (!a.from.isEmpty()) {
                const QString why = mime::addressProblem(a.from);
                if (!why.isEmpty()) {
                    err(QStringLiteral("--from %1: %2").arg(a.from, why));
                    done(exitcode::DataErr);
                    return;
                }
            }
            if (a.name.isEmpty() || a.host.isEmpty()) {
                err(QStringLiteral("usage: outpost account add NAME --host H ..."));
                done(exitcode::Usage);
                return;
            }
            for (const QChar c : std::as_const(a.name)) {
                // A name is shown in lists, logs and the tray: no control characters.
                if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format) {
                    err(QStringLiteral("an account name cannot hold control characters: \"%1\"")
                            .arg(printable(a.name)));
                    done(exitcode::Usage);
                    return;
                }
            }
            if (p.isSet(QStringLiteral("password-command")) &&
                p.isSet(QStringLiteral("password-stdin"))) {
                err(QStringLiteral("give --password-command or --password-stdin, not both"));
                done(exitcode::Usage);
                return;
            }
            QString error;
            if (!accounts->add(a, &error)) {
                err(error);
                done(exitcode::Config);
                return;
            }
            if (p.isSet(QStringLiteral("default")) || accounts->list().size() == 1)
                accounts->setDefaultAccount(a.name, &error);
            if (p.isSet(QStringLiteral("password-stdin"))) {
                QString readError;
                QByteArray pw = readInput(QStringLiteral("-"), &readError);
                const qsizetype nl = pw.indexOf('\n');
                if (nl >= 0)
                    pw.truncate(nl);
                if (pw.endsWith('\r'))
                    pw.chop(1);
                const QString name = a.name;
                d->service->credentials()->writePassword(
                    name, QString::fromUtf8(pw), [this, name](bool ok, const QString &e) {
                        if (!ok) {
                            err(QStringLiteral(
                                    "the account was added, but its password could not be stored "
                                    "in the "
                                    "system keychain (%1). Use --password-command instead, e.g. "
                                    "outpost account remove %2 && outpost account add %2 ... "
                                    "--password-command 'pass show mail/%2'")
                                    .arg(e, name));
                            d->notifyAndFinish(exitcode::Config);
                            return;
                        }
                        d->notifyAndFinish(exitcode::Ok);
                    });
                return;
            }
            d->notifyAndFinish(exitcode::Ok);
            return;
        }
        if (sub == QLatin1String("test")) {
            if (pos.value(0).isEmpty()) {
                err(QStringLiteral("usage: outpost account test NAME"));
                done(exitcode::Usage);
                return;
            }
            const auto account = accounts->find(pos.value(0));
            if (!account) {
                err(QStringLiteral("no account named \"%1\"").arg(printable(pos.value(0))));
                done(exitcode::Config);
                return;
            }
            ConnectionTestOptions o;
            o.credentials = d->service->credentials();
            o.settings = d->service->settings();
            o.accounts = d->service->accounts();
            auto *test = new ConnectionTest(*account, o, this);
            connect(test, &ConnectionTest::logLine, this,
                    [](const QString &l) { out(l + QLatin1Char('\n')); });
            connect(
                test, &ConnectionTest::finished, this,
                [this, test](const SmtpResult &r, const Capabilities &caps, const QStringList &) {
                    test->deleteLater();
                    if (!r.ok()) {
                        err(words::describeTestResult(r));
                        done(words::exitCodeFor(r.errorClass)); // no password: auth, 77
                        return;
                    }
                    out(QStringLiteral("OK: connected, %1, ready to send.\nCapabilities:\n")
                            .arg(caps.esmtp ? QStringLiteral("EHLO accepted")
                                            : QStringLiteral("HELO only")));
                    for (const QString &cap : caps.describe())
                        out(QStringLiteral("  %1\n").arg(cap));
                    done(exitcode::Ok);
                });
            test->start();
            return;
        }
        err(QStringLiteral("usage: outpost account add|list|test|remove|default ..."));
        done(exitcode::Usage);
        return;
    }

    // ---- queue ------------------------------------------------------------------------
    if (command == QLatin1String("queue")) {
        QCommandLineParser p;
        const QList<QCommandLineOption> opts = {
            {QStringLiteral("account"), QStringLiteral("account"), QStringLiteral("NAME")},
            {QStringLiteral("from"), QStringLiteral("From"), QStringLiteral("ADDR")},
            {QStringLiteral("to"), QStringLiteral("To"), QStringLiteral("ADDR")},
            {QStringLiteral("cc"), QStringLiteral("Cc"), QStringLiteral("ADDR")},
            {QStringLiteral("bcc"), QStringLiteral("Bcc"), QStringLiteral("ADDR")},
            {QStringLiteral("reply-to"), QStringLiteral("Reply-To"), QStringLiteral("ADDR")},
            {QStringLiteral("subject"), QStringLiteral("Subject"), QStringLiteral("TEXT")},
            {QStringLiteral("body"), QStringLiteral("body text"), QStringLiteral("TEXT")},
            {QStringLiteral("body-file"), QStringLiteral("body file"), QStringLiteral("F")},
            {QStringLiteral("html-file"), QStringLiteral("HTML alternative"), QStringLiteral("F")},
            {QStringLiteral("attach"), QStringLiteral("attachment"), QStringLiteral("F")},
            {QStringLiteral("send-at"), QStringLiteral("send time"), QStringLiteral("ISO-8601")},
            {QStringLiteral("eml"), QStringLiteral("existing message"), QStringLiteral("FILE")},
            {QStringLiteral("notify"),
             QStringLiteral("delivery status notifications: success,failure,delay or never"),
             QStringLiteral("LIST")},
            {QStringLiteral("ret"), QStringLiteral("what a failure notice returns: full or hdrs"),
             QStringLiteral("RET")},
            {QStringLiteral("envid"), QStringLiteral("envelope id for notifications"),
             QStringLiteral("ID")},
            {QStringLiteral("reply-to-eml"), QStringLiteral("message replied to"),
             QStringLiteral("FILE")},
        };
        if (!parser(command, args, opts, &p)) {
            done(exitcode::Usage);
            return;
        }
        if (strayArgument(command, p.positionalArguments(),
                          QStringLiteral("every value follows its option: --to ADDR, --subject "
                                         "TEXT, …")))
            return;
        if (p.isSet(QStringLiteral("eml")) && p.isSet(QStringLiteral("reply-to-eml"))) {
            err(QStringLiteral("--eml queues a message as it is; --reply-to-eml writes a new one: "
                               "give one of them"));
            done(exitcode::Usage);
            return;
        }
        if (p.isSet(QStringLiteral("eml"))) {
            // design.md §6: --eml queues an existing message as it is (its own header fields,
            // its recipients from To/Cc/Bcc); options that would write or change the message
            // are refused rather than silently ignored.
            QStringList ignored;
            for (const char *o : {"from", "to", "cc", "bcc", "reply-to", "subject", "body",
                                  "body-file", "html-file", "attach"}) {
                if (p.isSet(QLatin1String(o)))
                    ignored << QStringLiteral("--") + QLatin1String(o);
            }
            if (!ignored.isEmpty()) {
                err(QStringLiteral("--eml queues the message file as it is, so %1 cannot be "
                                   "combined with it: change the file, or write a new message "
                                   "with --to, --subject and --body instead of --eml")
                        .arg(ignored.join(QLatin1String(", "))));
                done(exitcode::Usage);
                return;
            }
        }
        DsnRequest dsn;
        auto given = [&p](const char *name) -> std::optional<QString> {
            const QString n = QLatin1String(name);
            return p.isSet(n) ? std::optional<QString>(p.value(n)) : std::nullopt;
        };
        if (!dsnFromOptions(
                given("notify"), given("ret"), given("envid"),
                {QStringLiteral("--notify"), QStringLiteral("--ret"), QStringLiteral("--envid")},
                &dsn)) {
            done(exitcode::Usage);
            return;
        }
        if (!d->openStore(&code)) {
            done(code);
            return;
        }
        QString accountName = p.value(QStringLiteral("account"));
        if (accountName.isEmpty())
            accountName = d->service->accounts()->defaultAccount();
        const auto account = d->service->accounts()->find(accountName);
        if (!account) {
            err(accountName.isEmpty()
                    ? QStringLiteral("no account: add one with `outpost account add`")
                    : QStringLiteral("no account named \"%1\"").arg(printable(accountName)));
            done(exitcode::Config);
            return;
        }
        QDateTime sendAt;
        if (p.isSet(QStringLiteral("send-at"))) {
            sendAt = QDateTime::fromString(p.value(QStringLiteral("send-at")), Qt::ISODate);
            if (!sendAt.isValid()) {
                err(QStringLiteral(
                    "--send-at needs an ISO-8601 time such as 2026-12-01T09:00:00+01:00"));
                done(exitcode::Usage);
                return;
            }
        }
        Service::EnqueueResult r;
        if (p.isSet(QStringLiteral("eml"))) {
            QString error;
            const QByteArray raw = readInput(p.value(QStringLiteral("eml")), &error);
            if (!error.isEmpty()) {
                err(error);
                done(exitcode::DataErr);
                return;
            }
            r = d->service->enqueueRaw(account->name, raw, {}, {}, sendAt, dsn);
        } else {
            mime::Draft draft;
            const QString from =
                p.isSet(QStringLiteral("from")) ? p.value(QStringLiteral("from")) : account->from;
            const auto fromList = mime::parseAddressList(from);
            if (!fromList.ok() || fromList.mailboxes.size() != 1) {
                err(from.isEmpty()
                        ? QStringLiteral("no From address: give --from or set one on the account")
                        : QStringLiteral("--from: %1")
                              .arg(fromList.ok() ? QStringLiteral("give exactly one address")
                                                 : fromList.error));
                done(from.isEmpty() ? exitcode::Usage : exitcode::DataErr);
                return;
            }
            draft.from = fromList.mailboxes.first();
            auto addresses = [&](const QString &opt, QList<mime::Mailbox> *into) {
                for (const QString &v : p.values(opt)) {
                    const auto list = mime::parseAddressList(v);
                    if (!list.ok()) {
                        err(QStringLiteral("--%1: %2").arg(opt, list.error));
                        return false;
                    }
                    *into += list.mailboxes;
                }
                return true;
            };
            if (!addresses(QStringLiteral("to"), &draft.to) ||
                !addresses(QStringLiteral("cc"), &draft.cc) ||
                !addresses(QStringLiteral("bcc"), &draft.bcc) ||
                !addresses(QStringLiteral("reply-to"), &draft.replyTo)) {
                done(exitcode::DataErr);
                return;
            }
            QString replySubject;
            if (p.isSet(QStringLiteral("reply-to-eml"))) {
                // A reply (RFC 5322 §3.6.4): To from the message's Reply-To or From unless
                // --to is given, "Re: " Subject unless --subject is, and the thread fields.
                QString error;
                const QByteArray parent =
                    readInput(p.value(QStringLiteral("reply-to-eml")), &error);
                if (!error.isEmpty()) {
                    err(error);
                    done(exitcode::DataErr);
                    return;
                }
                const mime::ReplyContext reply = mime::replyContext(parent);
                if (!reply.ok()) {
                    err(QStringLiteral("--reply-to-eml: %1").arg(reply.error));
                    done(exitcode::DataErr);
                    return;
                }
                if (!p.isSet(QStringLiteral("to")))
                    draft.to = reply.to;
                replySubject = reply.subject;
                draft.inReplyTo = reply.inReplyTo;
                draft.references = reply.references;
            }
            if (draft.to.isEmpty() && draft.cc.isEmpty() && draft.bcc.isEmpty()) {
                err(QStringLiteral("no recipients: give --to, --cc or --bcc"));
                done(exitcode::Usage);
                return;
            }
            draft.subject = p.isSet(QStringLiteral("subject")) || replySubject.isEmpty()
                                ? p.value(QStringLiteral("subject"))
                                : replySubject;
            QString error;
            if (p.isSet(QStringLiteral("body-file")) && p.isSet(QStringLiteral("body"))) {
                err(QStringLiteral("give --body or --body-file, not both"));
                done(exitcode::Usage);
                return;
            }
            if (p.isSet(QStringLiteral("body-file"))) {
                const QByteArray b = readInput(p.value(QStringLiteral("body-file")), &error);
                if (!error.isEmpty()) {
                    err(error);
                    done(exitcode::DataErr);
                    return;
                }
                draft.textBody = QString::fromUtf8(b);
            } else {
                draft.textBody = p.value(QStringLiteral("body"));
            }
            if (p.isSet(QStringLiteral("html-file"))) {
                const QByteArray b = readInput(p.value(QStringLiteral("html-file")), &error);
                if (!error.isEmpty()) {
                    err(error);
                    done(exitcode::DataErr);
                    return;
                }
                draft.htmlBody = QString::fromUtf8(b);
            }
            for (const QString &f : p.values(QStringLiteral("attach"))) {
                QFile file(f);
                if (!file.open(QIODevice::ReadOnly)) {
                    err(QStringLiteral("cannot attach %1: %2").arg(f, file.errorString()));
                    done(exitcode::DataErr);
                    return;
                }
                mime::Attachment att;
                att.fileName = QFileInfo(f).fileName();
                att.content = file.readAll();
                draft.attachments << att;
            }
            r = d->service->enqueue(account->name, draft, sendAt, MessageState::Queued, dsn);
        }
        if (!r.ok()) {
            err(r.error);
            done(r.error.contains(QLatin1String("write")) || r.error.contains(QLatin1String("disk"))
                     ? exitcode::TempFail
                     : exitcode::DataErr);
            return;
        }
        out(QString::number(r.id) + QLatin1Char('\n'));
        d->notifyAndFinish(exitcode::Ok);
        return;
    }

    // ---- sendmail ---------------------------------------------------------------------
    if (command == QLatin1String("sendmail")) {
        // sendmail(8) compatibility: -t, -i/-oi, -f, -F, and recipients as arguments. Unknown
        // -o options (used by mutt and git) are accepted and ignored, as sendmail does.
        bool fromHeaders = false;
        QString envelopeFrom;
        QString fullName;
        QList<QByteArray> rcpts;
        // sendmail(8) -N dsn, -R ret, -V envid: delivery status notifications (RFC 3461),
        // each with its value attached (-Nnever) or as the next argument.
        std::optional<QString> dsnNotify, dsnRet, dsnEnvid;
        auto dsnSlot = [&](QChar letter) -> std::optional<QString> & {
            return letter == QLatin1Char('N') ? dsnNotify
                                              : (letter == QLatin1Char('R') ? dsnRet : dsnEnvid);
        };
        for (qsizetype i = 0; i < args.size(); ++i) {
            const QString a = args.at(i);
            const bool dsnFlag = a.size() >= 2 && a.at(0) == QLatin1Char('-') &&
                                 (a.at(1) == QLatin1Char('N') || a.at(1) == QLatin1Char('R') ||
                                  a.at(1) == QLatin1Char('V'));
            if (dsnFlag && a.size() == 2) {
                if (i + 1 >= args.size()) {
                    err(QStringLiteral("sendmail: %1 needs a value").arg(a));
                    done(exitcode::Usage);
                    return;
                }
                dsnSlot(a.at(1)) = args.at(++i);
            } else if (dsnFlag) {
                dsnSlot(a.at(1)) = a.mid(2);
            } else if (a == QLatin1String("-t"))
                fromHeaders = true;
            else if (a == QLatin1String("-i") || a == QLatin1String("-oi") ||
                     a.startsWith(QLatin1String("-o")) || a == QLatin1String("-v") ||
                     a == QLatin1String("--"))
                continue;
            else if (a == QLatin1String("-f") || a == QLatin1String("-F")) {
                if (i + 1 >= args.size()) {
                    err(QStringLiteral("sendmail: %1 needs a value").arg(a));
                    done(exitcode::Usage);
                    return;
                }
                (a == QLatin1String("-f") ? envelopeFrom : fullName) = args.at(++i);
            } else if (a.startsWith(QLatin1String("-f")) && a.size() > 2)
                envelopeFrom = a.mid(2);
            else if (a.startsWith(QLatin1String("-F")) && a.size() > 2)
                fullName = a.mid(2);
            else if (a.startsWith(QLatin1Char('-'))) {
                err(QStringLiteral("sendmail: unknown option %1").arg(a));
                done(exitcode::Usage);
                return;
            } else {
                for (const QString &part : a.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                    const QString addr = part.trimmed();
                    const QString why = mime::addressProblem(addr);
                    if (!why.isEmpty()) {
                        err(QStringLiteral("sendmail: %1: %2").arg(addr, why));
                        done(exitcode::Usage);
                        return;
                    }
                    rcpts << mime::envelopeAddress(addr, true);
                }
            }
        }
        if (!envelopeFrom.isEmpty()) {
            const QString why = mime::addressProblem(envelopeFrom);
            if (!why.isEmpty()) {
                err(QStringLiteral("sendmail: -f %1: %2").arg(envelopeFrom, why));
                done(exitcode::Usage);
                return;
            }
        }
        if (!fromHeaders && rcpts.isEmpty()) {
            err(QStringLiteral("sendmail: no recipients (give them as arguments or use -t)"));
            done(exitcode::Usage);
            return;
        }
        DsnRequest dsn;
        if (!dsnFromOptions(dsnNotify, dsnRet, dsnEnvid,
                            {QStringLiteral("sendmail: -N"), QStringLiteral("sendmail: -R"),
                             QStringLiteral("sendmail: -V")},
                            &dsn)) {
            done(exitcode::Usage);
            return;
        }
        if (!d->openStore(&code)) {
            // Mail programs retry on 75; a damaged outbox (78) needs the user, not a retry.
            done(code == exitcode::Config ? exitcode::Config : exitcode::TempFail);
            return;
        }
        const QString accountName = d->service->accounts()->defaultAccount();
        if (accountName.isEmpty()) {
            // A configuration problem (78): a mail program would retry a 75 forever.
            err(QStringLiteral("sendmail: no account: add one with `outpost account add`"));
            done(exitcode::Config);
            return;
        }
        QString error;
        QByteArray raw = readInput(QStringLiteral("-"), &error);
        if (!error.isEmpty()) {
            err(error);
            done(exitcode::TempFail);
            return;
        }
        std::optional<QByteArray> mailFrom;
        if (!envelopeFrom.isEmpty())
            mailFrom = mime::envelopeAddress(envelopeFrom, true);
        // The header section ends at the first empty line (RFC 5322 §2.1); a "From:" line in
        // the body is not a From field.
        static const QRegularExpression headerEnd(QStringLiteral("\r?\n\r?\n"));
        const qsizetype bodyAt = QString::fromLatin1(raw).indexOf(headerEnd);
        static const QRegularExpression fromField(QStringLiteral("(^|\n)from[ \t]*:"),
                                                  QRegularExpression::CaseInsensitiveOption);
        if (!fromField.match(QString::fromLatin1(bodyAt < 0 ? raw : raw.left(bodyAt))).hasMatch()) {
            // No From header: add one from -F / -f or the account, as sendmail does, with the
            // full name encoded by GMime (RFC 2047 phrase) when it needs to be.
            const auto account = d->service->accounts()->find(accountName);
            const QString addr = envelopeFrom.isEmpty() ? account->from : envelopeFrom;
            raw.prepend(mime::mailboxField("From", fullName, addr));
        }
        const Service::EnqueueResult r = d->service->enqueueRaw(
            accountName, raw, mailFrom, fromHeaders ? QList<QByteArray>() : rcpts, {}, dsn);
        if (!r.ok()) {
            err(QStringLiteral("sendmail: %1").arg(r.error));
            done(r.error.startsWith(QLatin1String("not a message")) ? exitcode::DataErr
                                                                    : exitcode::TempFail);
            return;
        }
        d->notifyAndFinish(exitcode::Ok);
        return;
    }

    // ---- list / show ------------------------------------------------------------------
    if (command == QLatin1String("list") || command == QLatin1String("show")) {
        QCommandLineParser p;
        const QList<QCommandLineOption> opts = {
            {QStringLiteral("state"), QStringLiteral("only this state"), QStringLiteral("S")},
            {QStringLiteral("json"), QStringLiteral("JSON output")},
        };
        if (!parser(command, args, opts, &p)) {
            done(exitcode::Usage);
            return;
        }
        if (command == QLatin1String("list") &&
            strayArgument(command, p.positionalArguments(),
                          QStringLiteral("usage: outpost list [--state S] [--json]")))
            return;
        const bool asJson = p.isSet(QStringLiteral("json"));
        bool idOk = false;
        const qint64 id = p.positionalArguments().value(0).toLongLong(&idOk);
        if (command == QLatin1String("show") &&
            (!idOk || id <= 0 || p.positionalArguments().size() != 1)) {
            err(QStringLiteral(
                "usage: outpost show ID [--json] (ID is a number from outpost list)"));
            done(exitcode::Usage);
            return;
        }
        if (!d->openStore(&code, true)) {
            done(code);
            return;
        }
        const OutboxReader *store = d->service->outbox();
        ReadFailure failure;
        if (command == QLatin1String("list")) {
            std::optional<MessageState> filter;
            if (p.isSet(QStringLiteral("state"))) {
                MessageState s;
                if (!messageStateFromName(p.value(QStringLiteral("state")), &s)) {
                    err(QStringLiteral("--state is draft, queued, sending, sent, failed or held"));
                    done(exitcode::Usage);
                    return;
                }
                filter = s;
            }
            if (asJson) {
                // A JSON array written element by element as the rows are read, each element
                // by QJsonDocument: the same bytes as one QJsonDocument of the whole array
                // (tests/bench listjson checks), without holding 100,000 summaries, their
                // objects and a 38 MB document in memory at once. A read that fails part way
                // (a damaged page) leaves the array unclosed: no parser takes a short list
                // for the whole outbox.
                std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
                std::fputc('[', stdout);
                bool first = true;
                json::SummaryObjects objects;
                const bool read = store->forEachSummary(
                    filter,
                    [&](const MessageSummary &m) {
                        if (!first)
                            std::fputc(',', stdout);
                        first = false;
                        const QByteArray o = terminalSafeJson(
                            QJsonDocument(objects.of(m)).toJson(QJsonDocument::Compact));
                        std::fwrite(o.constData(), 1, size_t(o.size()), stdout);
                        return true;
                    },
                    &failure);
                if (!read) {
                    std::fputc('\n', stdout);
                    std::fflush(stdout);
                    done(d->readFailed(failure));
                    return;
                }
                outBytes("]\n");
            } else {
                std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
                // One line per message, fields separated by tabs: a tab, line feed or carriage
                // return (or CRLF) inside a field (a subject, a server's multi-line reply)
                // becomes one space here, so every line keeps its five fields; --json keeps the
                // real value.
                const bool read = store->forEachSummary(
                    filter,
                    [&](const MessageSummary &m) {
                        const QByteArray line =
                            printable(QStringLiteral("%1\t%2\t%3\t%4\t%5\n")
                                          .arg(m.id)
                                          .arg(messageStateName(m.state), words::oneLine(m.toText),
                                               words::oneLine(m.subject),
                                               words::oneLine(words::lastOutcome(m))))
                                .toUtf8();
                        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
                        return true;
                    },
                    &failure);
                std::fflush(stdout);
                if (!read) {
                    done(d->readFailed(failure));
                    return;
                }
            }
            done(exitcode::Ok);
            return;
        }
        const auto m = store->message(id, &failure);
        if (!m && !failure.detail.isEmpty()) {
            done(d->readFailed(failure));
            return;
        }
        if (!m) {
            err(QStringLiteral("no message with id %1").arg(p.positionalArguments().value(0)));
            done(exitcode::DataErr);
            return;
        }
        if (asJson) {
            QJsonObject o = json::summary(*m);
            QJsonArray rcpts;
            for (const RecipientRecord &r : m->recipients)
                rcpts.append(QJsonObject{{QStringLiteral("address"), QString::fromUtf8(r.address)},
                                         {QStringLiteral("state"), messageStateName(r.state)},
                                         {QStringLiteral("reply"), json::replyOrNull(r.reply)}});
            o.insert(QStringLiteral("recipients"), rcpts);
            QJsonArray history;
            for (const HistoryEntry &h : m->history)
                history.append(QJsonObject{
                    {QStringLiteral("at"), json::iso(h.at)},
                    {QStringLiteral("event"), historyEventName(h.event)},
                    {QStringLiteral("class"), h.errorClass == ErrorClass::None
                                                  ? QJsonValue(QJsonValue::Null)
                                                  : QJsonValue(errorClassName(h.errorClass))},
                    {QStringLiteral("reply"), json::replyOrNull(h.reply)},
                    {QStringLiteral("detail"), h.detail},
                    {QStringLiteral("server"), h.server},
                    {QStringLiteral("uncertain"), h.uncertain},
                    {QStringLiteral("notes"), QJsonArray::fromStringList(h.notes)}});
            o.insert(QStringLiteral("history"), history);
            outBytes(terminalSafeJson(QJsonDocument(o).toJson(QJsonDocument::Indented)));
        } else {
            out(words::describeMessage(*m));
        }
        done(exitcode::Ok);
        return;
    }

    // ---- retry / hold / release / cancel -----------------------------------------------
    if (command == QLatin1String("retry") || command == QLatin1String("hold") ||
        command == QLatin1String("release") || command == QLatin1String("cancel")) {
        bool ok = false;
        const qint64 id = args.value(0).toLongLong(&ok);
        if (!ok || id <= 0 || args.size() != 1) {
            err(QStringLiteral("usage: outpost %1 ID (ID is a number from outpost list)")
                    .arg(command));
            done(exitcode::Usage);
            return;
        }
        if (!d->openStore(&code)) {
            done(code);
            return;
        }
        QString error;
        const OutboxReader *store = d->service->outbox();
        Storage *storage = d->service->storage();
        bool done_ = false;
        QString said;
        if (command == QLatin1String("retry")) {
            const auto s = store->summary(id);
            if (s && !d->service->accounts()->find(s->account)) {
                // It would only fail again at the next flush.
                err(QStringLiteral("message %1 belongs to the account \"%2\", which was "
                                   "removed: add an account of that name first (outpost "
                                   "account add %2 ...)")
                        .arg(id)
                        .arg(printable(s->account)));
                done(exitcode::Config);
                return;
            }
            if (s && d->service->accounts()->isPaused(s->account)) {
                d->service->accounts()->setPaused(s->account, false);
                storage->writeNow(&OutboxWriter::releaseAccount, s->account);
            }
            QDateTime scheduled;
            done_ = storage->writeNow(&OutboxWriter::retryNow, id, &error, &scheduled);
            if (done_ && scheduled.isValid())
                said = QStringLiteral("message %1 was scheduled for %2; it is sent at the next "
                                      "chance instead (the schedule is dropped)\n")
                           .arg(id)
                           .arg(scheduled.toLocalTime().toString(Qt::ISODate));
        } else if (command == QLatin1String("hold"))
            done_ = storage->writeNow(&OutboxWriter::hold, id, &error);
        else if (command == QLatin1String("release"))
            done_ = storage->writeNow(&OutboxWriter::release, id, &error);
        else {
            bool deleted = false;
            done_ = storage->writeNow(&OutboxWriter::cancel, id, &deleted, &error);
            if (done_)
                said = deleted ? QStringLiteral("message %1 cancelled and deleted\n").arg(id)
                               : QStringLiteral("message %1 cancelled; kept as failed, as some "
                                                "recipients already got it\n")
                                     .arg(id);
        }
        if (!done_) {
            err(error);
            done(exitcode::DataErr);
            return;
        }
        out(said);
        d->notifyAndFinish(exitcode::Ok);
        return;
    }

    // ---- config -----------------------------------------------------------------------
    if (command == QLatin1String("config")) {
        const QString sub = args.value(0);
        QCommandLineParser p;
        const QList<QCommandLineOption> opts = {
            {QStringLiteral("account"), QStringLiteral("account"), QStringLiteral("NAME")},
        };
        if (!parser(command, args.mid(1), opts, &p)) {
            done(exitcode::Usage);
            return;
        }
        if (!d->openStore(&code)) {
            done(code);
            return;
        }
        Settings *settings = d->service->settings();
        const QString account = p.value(QStringLiteral("account"));
        if (!account.isEmpty() && !d->service->accounts()->find(account)) {
            err(QStringLiteral("no account named \"%1\"").arg(account));
            done(exitcode::Config);
            return;
        }
        const QStringList pos = p.positionalArguments();
        QString error;
        // An unknown key or a value out of the key's range is a usage error (64), for set,
        // get and unset alike; 78 stays for an account that does not exist.
        auto unknownKey = [&pos] {
            if (!Settings::defaultValue(pos[0]).isEmpty())
                return false;
            err(Settings::validate(pos[0], QString()));
            return true;
        };
        if (sub == QLatin1String("set") && pos.size() == 2) {
            const QString why = Settings::validate(pos[0], pos[1]);
            if (!why.isEmpty()) {
                err(why);
                done(exitcode::Usage);
                return;
            }
            if (!settings->set(account, pos[0], pos[1], &error)) {
                err(error);
                done(exitcode::Config);
                return;
            }
            d->notifyAndFinish(exitcode::Ok);
            return;
        }
        if (sub == QLatin1String("get") && pos.size() == 1) {
            if (unknownKey()) {
                done(exitcode::Usage);
                return;
            }
            out(settings->value(account, pos[0]) + QLatin1Char('\n'));
            done(exitcode::Ok);
            return;
        }
        if (sub == QLatin1String("unset") && pos.size() == 1) {
            if (unknownKey()) {
                done(exitcode::Usage);
                return;
            }
            if (!settings->unset(account, pos[0], &error)) {
                err(error);
                done(exitcode::Config);
                return;
            }
            d->notifyAndFinish(exitcode::Ok);
            return;
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
            done(exitcode::Ok);
            return;
        }
        err(QStringLiteral(
            "usage: outpost config set|get|unset|list [--account NAME] KEY [VALUE]"));
        done(exitcode::Usage);
        return;
    }

    // ---- flush ------------------------------------------------------------------------
    if (command == QLatin1String("flush")) {
        QCommandLineParser p;
        const QList<QCommandLineOption> opts = {
            {QStringLiteral("timeout"), QStringLiteral("give up after this long"),
             QStringLiteral("SECONDS")},
            {QStringLiteral("verbose"), QStringLiteral("print the protocol log and the pool")},
        };
        if (!parser(command, args, opts, &p)) {
            done(exitcode::Usage);
            return;
        }
        if (strayArgument(command, p.positionalArguments(),
                          QStringLiteral("usage: outpost flush [--timeout SECONDS] [--verbose]")))
            return;
        int timeoutSeconds = 0;
        if (p.isSet(QStringLiteral("timeout"))) {
            bool ok = false;
            timeoutSeconds = p.value(QStringLiteral("timeout")).toInt(&ok);
            if (!ok || timeoutSeconds <= 0 || timeoutSeconds > 2000000) {
                err(QStringLiteral("--timeout takes whole seconds from 1 to 2000000, not \"%1\"")
                        .arg(p.value(QStringLiteral("timeout"))));
                done(exitcode::Usage);
                return;
            }
        }
        const bool verbose = p.isSet(QStringLiteral("verbose"));
        ServiceOptions o;
        o.dataDir = d->dataDir;
        d->service = std::make_unique<Service>(o);
        Service *service = d->service.get();
        QString error;
        if (!service->open(&error)) {
            if (service->lockedByOther()) {
                // Another Outpost (the desktop app) sends from this outbox: ask it to flush.
                d->service.reset();
                Service::sendToRunningInstance(
                    d->dataDir, InstanceRequest{InstanceVerb::Flush, {}}, this,
                    [this, all](bool ok, const InstanceReply &reply) {
                        if (!ok && d->handOverRetries++ < 3) {
                            // The holder was finishing and is gone (or about to be): start
                            // over, taking the lock ourselves if it is free now.
                            QTimer::singleShot(0, this, [this, all] { run(all); });
                            return;
                        }
                        if (!ok) {
                            err(QStringLiteral(
                                "another Outpost process holds this outbox but did not answer"));
                            done(exitcode::TempFail);
                            return;
                        }
                        if (!reply.ok) {
                            err(QStringLiteral("the running Outpost refused the flush: %1")
                                    .arg(reply.error));
                            done(exitcode::TempFail);
                            return;
                        }
                        out(QStringLiteral("handed to the running Outpost: %1 sent in all, %2 "
                                           "queued, %3 held\n")
                                .arg(reply.sent)
                                .arg(reply.queued)
                                .arg(reply.held));
                        done(reply.queued + reply.held > 0 ? exitcode::TempFail : exitcode::Ok);
                    });
                return;
            }
            done(d->openFailed(error));
            return;
        }
        d->noteTightened();
        if (service->recoveredCount() > 0)
            err(QStringLiteral("%1 message(s) interrupted by an earlier stop were queued again")
                    .arg(service->recoveredCount()));
        if (verbose) {
            connect(service, &Service::logLine, this, [](const QString &, const QString &line) {
                const QByteArray b = printable(line + QLatin1Char('\n')).toUtf8();
                std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
            });
            connect(service->transport(), &Transport::poolChanged, this, [service] {
                static QString last;
                QStringList parts;
                for (const PoolSessionInfo &s : service->transport()->poolState())
                    parts << QStringLiteral("%1 %2 %3 sent=%4")
                                 .arg(s.server, s.account,
                                      s.busy ? QStringLiteral("busy") : QStringLiteral("idle"))
                                 .arg(s.messagesSent);
                const QString now =
                    QStringLiteral("pool: ") +
                    (parts.isEmpty() ? QStringLiteral("(empty)") : parts.join(QLatin1String("; ")));
                if (now != last) {
                    last = now;
                    const QByteArray b = printable(now + QLatin1Char('\n')).toUtf8();
                    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
                }
            });
        }
        connect(service, &Service::notice, this,
                [](const Notice &n) { err(words::describeNotice(n)); });
        // The messages this flush is about: everything queued and due once "send now" applies.
        // Messages whose account was removed can never be sent: failed now, and reported.
        QList<qint64> ids;
        {
            QStringList existing;
            for (const Account &a : service->accounts()->list())
                existing << a.name;
            const QStringList orphans = service->outbox()->orphanAccounts(existing);
            for (const QString &name : orphans) {
                for (const std::optional<MessageState> st :
                     {std::optional(MessageState::Queued), std::optional(MessageState::Held)}) {
                    service->outbox()->forEachSummary(st, [&](const MessageSummary &m) {
                        if (m.account == name)
                            ids << m.id;
                        return true;
                    });
                }
                service->storage()->writeNow(
                    &OutboxWriter::failAccount, name,
                    QStringLiteral("the account \"%1\" no longer exists").arg(name));
            }
        }
        service->storage()->writeNow(&OutboxWriter::makeAllDue);
        ids << service->outbox()->dueIds();
        const int deadline =
            int(service->settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
        auto finishing = std::make_shared<bool>(false);
        auto finish = [this, service, ids, deadline, finishing](bool early) {
            if (*finishing)
                return;
            *finishing = true;
            connect(
                service, &Service::shutdownFinished, this, [this, service, ids, early](int, int) {
                    // Counted after the shutdown: a transaction cut off by it is queued again
                    // by now.
                    int sent = 0, deferred = 0, failed = 0;
                    const QHash<qint64, MessageState> states = service->outbox()->states(ids);
                    for (auto it = states.cbegin(); it != states.cend(); ++it) {
                        if (it.value() == MessageState::Sent)
                            ++sent;
                        else if (it.value() == MessageState::Failed)
                            ++failed;
                        else if (it.value() == MessageState::Held && service->outbox()
                                                                         ->summary(it.key())
                                                                         .value_or(MessageSummary{})
                                                                         .heldByAccount)
                            continue; // in the "held" line below
                        else
                            ++deferred;
                    }
                    out(QStringLiteral("%1 sent, %2 deferred, %3 failed%4\n")
                            .arg(sent)
                            .arg(deferred)
                            .arg(failed)
                            .arg(early ? QStringLiteral(" (stopped early)") : QString()));
                    // Held because their account needs attention: stuck until the user
                    // acts, so the flush did not get everything out.
                    QMap<QString, int> stuck;
                    service->outbox()->forEachSummary(MessageState::Held,
                                                      [&](const MessageSummary &m) {
                                                          if (m.heldByAccount)
                                                              ++stuck[m.account];
                                                          return true;
                                                      });
                    for (auto it = stuck.cbegin(); it != stuck.cend(); ++it)
                        out(QStringLiteral("%1 held: account \"%2\" needs attention (outpost "
                                           "list --state held; outpost retry ID when fixed)\n")
                                .arg(it.value())
                                .arg(it.key()));
                    done(deferred > 0 || !stuck.isEmpty()
                             ? exitcode::TempFail
                             : (failed > 0 ? exitcode::DataErr : exitcode::Ok));
                });
            service->shutdown(deadline);
        };
        connect(service, &Service::activityChanged, this, [finish](bool busy) {
            if (!busy)
                finish(false);
        });
        // SIGTERM / SIGINT / SIGHUP: stop claiming, let transactions in flight finish until
        // the deadline, QUIT to every server, exit.
        auto *signals_ = new SignalWatcher(this);
        connect(signals_, &SignalWatcher::terminationRequested, this,
                [finish](int) { finish(true); });
        if (timeoutSeconds > 0)
            QTimer::singleShot(std::chrono::seconds(timeoutSeconds), this,
                               [finish] { finish(true); });
        service->flush();
        QTimer::singleShot(0, this, [service, finish] {
            if (!service->dispatcher()->isBusy())
                finish(false);
        });
        return;
    }

    err(QStringLiteral("unknown command \"%1\" (outpost help lists them)").arg(command));
    done(exitcode::Usage);
}

} // namespace outpost
