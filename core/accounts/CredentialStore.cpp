#include "CredentialStore.h"

#include <QPointer>
#include <QProcess>
#include <QTimer>
#include <algorithm>
#include <qt6keychain/keychain.h>

#ifdef Q_OS_UNIX
#include <csignal>
#include <unistd.h>
#endif

namespace outpost {

namespace {
const QString kService = QStringLiteral("Outpost");
}

void MemoryCredentialStore::readPassword(const QString &account, ReadCallback done)
{
    auto it = m_secrets.constFind(account);
    if (it == m_secrets.cend())
        done(false, {}, QStringLiteral("no password stored for account %1").arg(account));
    else
        done(true, *it, {});
}

void MemoryCredentialStore::writePassword(const QString &account, const QString &password,
                                          WriteCallback done)
{
    m_secrets.insert(account, password);
    done(true, {});
}

void MemoryCredentialStore::removePassword(const QString &account, WriteCallback done)
{
    m_secrets.remove(account);
    done(true, {});
}

namespace {
/// Why a keychain job failed, in words for the user: by its error code where QtKeychain's own
/// text says little ("Unknown error" when no Secret Service answers), else its text.
QString keychainFailure(const QKeychain::Job *job)
{
    switch (job->error()) {
    case QKeychain::NoBackendAvailable:
        return QStringLiteral("no keychain service (GNOME Keyring, KWallet or another Secret "
                              "Service) is running");
    case QKeychain::EntryNotFound:
        return QStringLiteral("no password is kept for it in the system keychain");
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return QStringLiteral("the system keychain refused access");
    case QKeychain::NotImplemented:
        return QStringLiteral("this system's keychain is not supported");
    default:
        return QStringLiteral("the system keychain could not be reached (%1)")
            .arg(job->errorString());
    }
}
} // namespace

void KeychainCredentialStore::readPassword(const QString &account, ReadCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(account);
    QObject::connect(job, &QKeychain::Job::finished, job, [job, done](QKeychain::Job *) {
        if (job->error() == QKeychain::NoError)
            done(true, job->textData(), {});
        else
            done(false, {}, keychainFailure(job));
    });
    job->start();
}

void KeychainCredentialStore::writePassword(const QString &account, const QString &password,
                                            WriteCallback done)
{
    auto *job = new QKeychain::WritePasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(account);
    job->setTextData(password);
    QObject::connect(job, &QKeychain::Job::finished, job, [job, done](QKeychain::Job *) {
        done(job->error() == QKeychain::NoError,
             job->error() == QKeychain::NoError ? QString() : keychainFailure(job));
    });
    job->start();
}

void KeychainCredentialStore::removePassword(const QString &account, WriteCallback done)
{
    auto *job = new QKeychain::DeletePasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(account);
    QObject::connect(job, &QKeychain::Job::finished, job, [job, done](QKeychain::Job *) {
        const bool ok =
            job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound;
        done(ok, ok ? QString() : keychainFailure(job));
    });
    job->start();
}

void KeychainCredentialStore::checkAvailable(WriteCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(kService);
    job->setAutoDelete(true);
    job->setKey(QStringLiteral("outpost-keychain-probe"));
    QObject::connect(job, &QKeychain::Job::finished, job, [job, done](QKeychain::Job *) {
        switch (job->error()) {
        case QKeychain::NoError:
        case QKeychain::EntryNotFound:
        case QKeychain::AccessDenied:
        case QKeychain::AccessDeniedByUser:
            done(true, {});
            break;
        default:
            done(false, keychainFailure(job));
            break;
        }
    });
    job->start();
}

void runPasswordCommand(const QString &command, QObject *context, PasswordCommandCallback done,
                        int timeoutMs)
{
    auto *proc = new QProcess(context);
#ifdef Q_OS_WIN
    proc->setProgram(QStringLiteral("cmd"));
    proc->setArguments({QStringLiteral("/c"), command});
#else
    proc->setProgram(QStringLiteral("/bin/sh"));
    proc->setArguments({QStringLiteral("-c"), command});
    // Its own process group, so that stopping it stops what the shell started too (a `pass`
    // waiting for a pinentry, a `sleep`), not only the shell.
    proc->setChildProcessModifier([] { ::setpgid(0, 0); });
#endif
    // Stops the command and everything it started.
    auto stop = [proc] {
#ifdef Q_OS_UNIX
        if (proc->processId() > 0)
            ::kill(-pid_t(proc->processId()), SIGKILL);
#endif
        proc->kill();
    };
    auto *timer = new QTimer(proc);
    timer->setSingleShot(true);
    auto finished = std::make_shared<bool>(false);
    // `done` is never called once `context` is being destroyed: the process is one of its
    // children, and its end (killed by ~QProcess) must not reach a half-destroyed owner.
    const QPointer<QObject> owner(context);
    auto finish = [proc, done, finished, owner](PasswordCommandStatus status, const QString &secret,
                                                const QString &error) {
        if (*finished)
            return;
        *finished = true;
        // A process killed a moment ago may not be reaped yet: deleting its QProcess now would
        // warn ("Destroyed while process is still running") and leave the reaping undone.
        if (proc->state() == QProcess::NotRunning) {
            proc->deleteLater();
        } else {
            // Its owner may go first (a finished connection test): the process object leaves
            // it and goes once the kill is reaped.
            proc->setParent(nullptr);
            QObject::connect(proc, &QProcess::finished, proc, &QObject::deleteLater);
        }
        if (owner)
            done(status, secret, error);
    };
    if (context) {
        QObject::connect(context, &QObject::destroyed, proc, [stop, finished] {
            *finished = true;
            stop();
        });
    }
    QObject::connect(timer, &QTimer::timeout, proc, [stop, finish, timeoutMs] {
        stop();
        finish(PasswordCommandStatus::TimedOut, {},
               QStringLiteral("the password command did not finish in %1 s")
                   .arg(std::max(1, (timeoutMs + 500) / 1000)));
    });
    QObject::connect(proc, &QProcess::errorOccurred, proc,
                     [proc, finish](QProcess::ProcessError e) {
                         if (e == QProcess::FailedToStart)
                             finish(PasswordCommandStatus::Failed, {},
                                    QStringLiteral("password command could not start: %1")
                                        .arg(proc->errorString()));
                     });
    QObject::connect(
        proc, &QProcess::finished, proc, [proc, finish](int code, QProcess::ExitStatus st) {
            const QByteArray out = proc->readAllStandardOutput();
            if (st != QProcess::NormalExit || code != 0) {
                finish(PasswordCommandStatus::Failed, {},
                       QStringLiteral("password command failed (exit %1): %2")
                           .arg(code)
                           .arg(QString::fromLocal8Bit(proc->readAllStandardError()).trimmed()));
                return;
            }
            QByteArray line = out;
            const qsizetype nl = line.indexOf('\n');
            if (nl >= 0)
                line.truncate(nl);
            if (line.endsWith('\r'))
                line.chop(1);
            if (line.isEmpty()) {
                finish(PasswordCommandStatus::Failed, {},
                       QStringLiteral("password command printed nothing"));
                return;
            }
            finish(PasswordCommandStatus::Ok, QString::fromUtf8(line), {});
        });
    timer->start(timeoutMs);
    proc->start();
}

} // namespace outpost
