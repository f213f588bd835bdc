#include "Command.h"

#include "SharedWords.h"

#include "accounts/AccountStore.h"
#include "storage/Database.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTimer>

namespace outpost::cli {

Command::Command(const Context &context, QObject *parent)
    : QObject(parent)
    , m_context(context)
{}

Command::~Command() = default;

void Command::finish(Result r)
{
    if (m_result)
        return;
    m_result = r;
    QTimer::singleShot(0, this, [this, r] { emit finished(r); });
}

void Command::fail(Result r, const QString &message)
{
    err(message);
    finish(r);
}

void Command::finishAndNotify(Result r)
{
    Service::sendToRunningInstance(m_context.dataDir, InstanceRequest{InstanceVerb::Changed, {}},
                                   this, [this, r](bool, const InstanceReply &) { finish(r); });
}

bool Command::parse(QCommandLineParser *p, const QString &command, const QStringList &a,
                    const QList<QCommandLineOption> &options)
{
    p->setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    p->addOptions(options);
    p->addHelpOption();
    // A negative number given as a positional value ("config set KEY -3") would read as the
    // option "-3": such arguments go after "--", in their order, so that they stay values and
    // the setting's own check explains what is wrong with them.
    static const QRegularExpression number(QStringLiteral("^-[0-9][0-9.]*$"));
    QStringList named, negatives;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QString &arg = a[i];
        bool optionValue = false;
        if (i > 0) {
            const QString &prev = a[i - 1];
            for (const QCommandLineOption &o : options)
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
    if (!p->parse(QStringList{QStringLiteral("outpost ") + command} + named)) {
        fail(Result::Usage, p->errorText());
        return false;
    }
    return true;
}

bool Command::strayArgument(const QString &what, const QStringList &positional, const QString &hint)
{
    if (positional.isEmpty())
        return false;
    fail(Result::Usage,
         QStringLiteral("%1 takes no argument \"%2\" (%3)").arg(what, positional.first(), hint));
    return true;
}

QByteArray Command::readInput(const QString &path, QString *error) const
{
    if (path == QLatin1String("-")) {
        QByteArray input;
        if (!console().readInput(&input))
            *error = QStringLiteral("cannot read standard input");
        return input;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
        return {};
    }
    return f.readAll();
}

ServiceOptions Command::serviceOptions() const
{
    ServiceOptions o;
    o.dataDir = m_context.dataDir;
    o.credentials = m_context.credentials;
    return o;
}

Result Command::openStore(bool readOnly, bool useReserve)
{
    ServiceOptions o = serviceOptions();
    o.useReserve = useReserve;
    o.singleInstance = false;
    o.dispatch = false;
    o.readOnly = readOnly;
    m_service = std::make_unique<Service>(o);
    QString error;
    if (!m_service->open(&error))
        return openFailed(error);
    noteTightened();
    noteDiskFull();
    return Result::Ok;
}

Result Command::diskFull(const StorageError &e)
{
    err(words::diskFull(e.freeBytes, words::Front::Terminal));
    return Result::DiskFull;
}

void Command::noteDiskFull()
{
    if (m_service && m_service->storageProblem().isDiskFull())
        err(words::diskFull(m_service->storageProblem().freeBytes, words::Front::Terminal));
}

Result Command::openFailed(const QString &error)
{
    if (const DataDirCheck &c = m_service->dataDirCheck(); !c.ok()) {
        err(words::dataDirProblem(c));
        const bool cannotMake =
            c.problem == DataDirProblem::CannotCreate || c.problem == DataDirProblem::NotADirectory;
        return cannotMake ? Result::CannotOpen : Result::NotPrivate;
    }
    if (m_service->storageProblem().isDiskFull())
        return diskFull(m_service->storageProblem());
    err(error);
    if (m_service->databaseErrorKind() == int(Database::OpenError::Corrupt)) {
        err(words::damagedOutboxAdvice(databasePath()));
        return Result::Damaged;
    }
    if (m_service->databaseErrorKind() == int(Database::OpenError::Locked))
        return Result::TryLater;
    return Result::CannotOpen;
}

void Command::noteTightened()
{
    const QString note = words::tightened(m_service->dataDirCheck());
    if (!note.isEmpty())
        err(note);
}

Result Command::readFailed(const ReadFailure &f)
{
    if (f.damaged) {
        err(QStringLiteral("%1 is damaged: %2").arg(databasePath(), f.detail));
        err(words::damagedOutboxAdvice(databasePath()));
        return Result::Damaged;
    }
    err(QStringLiteral("cannot read %1: %2").arg(databasePath(), f.detail));
    return Result::CannotOpen;
}

std::optional<Account> Command::accountOrFail(const QString &name)
{
    if (auto account = m_service->accounts()->find(name))
        return account;
    fail(Result::NoSuchAccount,
         name.isEmpty()
             ? QStringLiteral("no account: add one with `outpost account add`")
             : QStringLiteral("no account named \"%1\" (outpost account list shows them)")
                   .arg(name));
    return std::nullopt;
}

std::optional<Account> Command::oauthAccountOrFail(const QString &name)
{
    std::optional<Account> account = accountOrFail(name);
    if (account && !account->oauth.enabled()) {
        fail(Result::Usage, QStringLiteral("account \"%1\" does not sign in with OAuth (it was "
                                           "added without --oauth)")
                                .arg(account->name));
        return std::nullopt;
    }
    return account;
}

QString Command::databasePath() const
{
    return QDir(m_context.dataDir).filePath(QStringLiteral("outbox.sqlite"));
}

} // namespace outpost::cli
