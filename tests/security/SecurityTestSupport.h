#pragma once
// Helpers shared by the security tests: a small scripted SMTP server (on tests/support's
// FakeSmtpServer sockets, so plain, STARTTLS and implicit TLS with the committed test
// certificates), an in-process Service, and a search for secrets in files and logs.

#include "FakeSmtpServer.h"

#include "accounts/Account.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <memory>

namespace outpost::securitytest {

using testsupport::FakeSmtpServer;
using testsupport::ServerConnection;

/// A minimal, well-behaved SMTP submission server on 127.0.0.1 (port 0) that answers every
/// command positively: greeting, EHLO (AUTH PLAIN LOGIN, STARTTLS when configured), AUTH
/// (any credentials; LOGIN's two 334 challenges), MAIL, RCPT, DATA, RSET, NOOP, QUIT (221,
/// then a graceful close). With `implicitTlsCert` set, TLS starts at accept with that
/// certificate kind (TestCerts: "valid", "self-signed", "expired", "wrong-host"); with
/// `startTlsCert` set, STARTTLS is offered and starts TLS with it.
class ScriptedSmtp : public QObject
{
    Q_OBJECT
public:
    QString implicitTlsCert;
    QString startTlsCert;

    bool start()
    {
        m_clock.start();
        m_server = std::make_unique<FakeSmtpServer>(QStringLiteral("A"), &m_clock);
        connect(m_server.get(), &FakeSmtpServer::accepted, this,
                [this](ServerConnection *c) { onAccepted(c); });
        QString error;
        if (!m_server->start(&error)) {
            qWarning() << "ScriptedSmtp:" << error;
            return false;
        }
        return true;
    }
    quint16 port() const { return m_server->port(); }
    const QList<ServerConnection *> &connections() const { return m_server->connections(); }
    /// Every byte any client sent, all connections (decrypted under TLS).
    QByteArray wire() const
    {
        QByteArray all;
        for (const ServerConnection *c : m_server->connections())
            all += c->wire();
        return all;
    }
    int deliveries() const { return m_deliveries; }
    int tlsFailures() const { return m_tlsFailures; }
    /// Transcripts of every connection, for failure messages.
    QString transcript() const
    {
        QStringList lines;
        for (const ServerConnection *c : m_server->connections())
            lines += c->transcript(80);
        return lines.join(QLatin1Char('\n'));
    }

private:
    struct State
    {
        bool inData = false;
        int loginStep = 0; ///< 334 challenges still to answer for AUTH LOGIN
    };

    void onAccepted(ServerConnection *c)
    {
        connect(c, &ServerConnection::dataArrived, this, [this, c] { onData(c); });
        connect(c, &ServerConnection::tlsDone, this, [this, c](bool ok, const QString &) {
            if (!ok) {
                ++m_tlsFailures;
                return;
            }
            c->setHoldReading(false);
            if (!implicitTlsCert.isEmpty() && !m_greeted.contains(c)) {
                m_greeted.insert(c);
                c->writeBytes("220 fake.example.net ESMTP\r\n");
            }
        });
        if (!implicitTlsCert.isEmpty()) {
            c->startTls(implicitTlsCert);
            return;
        }
        c->setHoldReading(false);
        c->writeBytes("220 fake.example.net ESMTP\r\n");
    }

    void onData(ServerConnection *c)
    {
        State &st = m_state[c];
        QByteArray &in = c->input();
        for (;;) {
            if (st.inData) {
                const qsizetype end = in.indexOf("\r\n.\r\n");
                if (end < 0)
                    return;
                in.remove(0, end + 5);
                st.inData = false;
                ++m_deliveries;
                c->writeBytes("250 2.0.0 queued\r\n");
                continue;
            }
            const qsizetype eol = in.indexOf("\r\n");
            if (eol < 0)
                return;
            const QByteArray line = in.left(eol);
            in.remove(0, eol + 2);
            const QByteArray verb = line.split(' ').constFirst().toUpper();
            if (st.loginStep > 0) {
                --st.loginStep;
                c->writeBytes(st.loginStep > 0 ? "334 UGFzc3dvcmQ6\r\n"
                                               : "235 2.7.0 Authentication successful\r\n");
            } else if (verb == "EHLO") {
                QByteArray r = "250-fake.example.net\r\n";
                if (!startTlsCert.isEmpty() && !c->tlsActive())
                    r += "250-STARTTLS\r\n";
                r += "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n";
                c->writeBytes(r);
            } else if (verb == "STARTTLS" && !startTlsCert.isEmpty() && !c->tlsActive()) {
                c->writeBytes("220 2.0.0 Ready to start TLS\r\n");
                c->setHoldReading(true);
                in.clear();
                c->startTls(startTlsCert);
                return;
            } else if (verb == "AUTH") {
                const QList<QByteArray> parts = line.split(' ');
                if (parts.value(1).toUpper() == "LOGIN" && parts.size() < 3) {
                    st.loginStep = 2;
                    c->writeBytes("334 VXNlcm5hbWU6\r\n");
                } else if (parts.value(1).toUpper() == "LOGIN") {
                    st.loginStep = 1;
                    c->writeBytes("334 UGFzc3dvcmQ6\r\n");
                } else {
                    c->writeBytes("235 2.7.0 Authentication successful\r\n");
                }
            } else if (verb == "DATA") {
                st.inData = true;
                c->writeBytes("354 End data with <CR><LF>.<CR><LF>\r\n");
            } else if (verb == "QUIT") {
                c->writeBytes("221 2.0.0 Bye\r\n");
                c->closeGracefully();
                return;
            } else if (verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP" ||
                       verb == "HELO") {
                c->writeBytes("250 2.0.0 Ok\r\n");
            } else {
                c->writeBytes("502 5.5.2 Command not recognized\r\n");
            }
        }
    }

    QElapsedTimer m_clock;
    std::unique_ptr<FakeSmtpServer> m_server;
    QHash<ServerConnection *, State> m_state;
    QSet<ServerConnection *> m_greeted;
    int m_deliveries = 0;
    int m_tlsFailures = 0;
};

/// An in-process Service on a fresh data directory with an in-memory credential store;
/// host names ending in ".example.net" resolve to 127.0.0.1. Collects the protocol log.
class InProcessService
{
public:
    QTemporaryDir dir;
    MemoryCredentialStore credentials;
    std::unique_ptr<Service> service;
    QStringList log;

    bool open()
    {
        if (!dir.isValid())
            return false;
        ServiceOptions o;
        o.dataDir = dir.path();
        o.credentials = &credentials;
        o.resolveHost = [](const QString &host) {
            return host.endsWith(QLatin1String(".example.net")) ? QStringLiteral("127.0.0.1")
                                                                : host;
        };
        o.singleInstance = false;
        service = std::make_unique<Service>(o);
        QObject::connect(service.get(), &Service::logLine, service.get(),
                         [this](const QString &account, const QString &line) {
                             log << account + QLatin1String(": ") + line;
                         });
        QString error;
        if (!service->open(&error)) {
            qWarning() << "Service::open:" << error;
            return false;
        }
        return true;
    }

    /// An account with every optional string set (AccountStore stores a null QString as SQL
    /// NULL, and the columns are NOT NULL).
    static Account account(const QString &host, quint16 port, Security security,
                           const QString &user = QString())
    {
        Account a;
        a.name = QStringLiteral("acct");
        a.host = host;
        a.port = port;
        a.security = security;
        a.user = user.isNull() ? QStringLiteral("") : user;
        a.auth = user.isEmpty() ? QStringLiteral("none") : QStringLiteral("auto");
        a.from = QStringLiteral("alice@example.org");
        a.passwordCommand = QStringLiteral("");
        a.caFile = QStringLiteral("");
        a.pinSha256 = QStringLiteral("");
        return a;
    }

    bool addAccount(const Account &a)
    {
        QString error;
        if (!service->accounts()->add(a, &error)) {
            qWarning() << "AccountStore::add:" << error;
            return false;
        }
        return true;
    }

    /// Queues one small message on account "acct"; 0 on failure.
    qint64 enqueue(const QString &subject = QStringLiteral("Hello"))
    {
        mime::Draft d;
        d.from = {QString(), QStringLiteral("alice@example.org")};
        d.to = {{QString(), QStringLiteral("bob@example.net")}};
        d.subject = subject;
        d.textBody = QStringLiteral("Hello Bob.\n");
        const Service::EnqueueResult r = service->enqueue(QStringLiteral("acct"), d);
        if (!r.ok())
            qWarning() << "enqueue:" << r.error;
        return r.ok() ? r.id : 0;
    }

    MessageState state(qint64 id) const
    {
        const auto s = service->outbox()->summary(id);
        return s ? s->state : MessageState::Draft;
    }
    ErrorClass errorClass(qint64 id) const
    {
        const auto s = service->outbox()->summary(id);
        return s ? s->errorClass : ErrorClass::None;
    }
    /// True once the message is in a final or waiting state (not queued-and-due, not sending).
    bool settled(qint64 id) const
    {
        const auto s = service->outbox()->summary(id);
        return s && s->state != MessageState::Sending &&
               (s->state != MessageState::Queued || s->attempts > 0);
    }

    /// Graceful shutdown (QUIT, close), waiting at most deadlineMs + 5 s.
    bool shutdown(int deadlineMs = 3000)
    {
        if (!service)
            return true;
        bool done = false;
        QObject::connect(service.get(), &Service::shutdownFinished, service.get(),
                         [&done](int, int) { done = true; });
        service->shutdown(deadlineMs);
        QElapsedTimer t;
        t.start();
        while (!done && t.elapsed() < deadlineMs + 5000)
            QTest::qWait(20);
        service.reset();
        return done;
    }
};

/// The forms in which a secret could leak: the password itself (UTF-8, UTF-16), base64 of
/// it (LOGIN's response), PLAIN's base64("\0user\0pass") and its authzid variant, and hex.
inline QList<QPair<QString, QByteArray>> secretForms(const QString &user, const QString &password)
{
    const QByteArray u = user.toUtf8();
    const QByteArray p = password.toUtf8();
    QByteArray utf16le, utf16be;
    for (const QChar ch : password) {
        utf16le += char(ch.unicode() & 0xff);
        utf16le += char(ch.unicode() >> 8);
        utf16be += char(ch.unicode() >> 8);
        utf16be += char(ch.unicode() & 0xff);
    }
    return {
        {QStringLiteral("password (UTF-8)"), p},
        {QStringLiteral("password (UTF-16LE)"), utf16le},
        {QStringLiteral("password (UTF-16BE)"), utf16be},
        {QStringLiteral("password (Latin-1)"), password.toLatin1()},
        {QStringLiteral("base64(password) (LOGIN)"), p.toBase64()},
        {QStringLiteral("base64url(password)"),
         p.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)},
        {QStringLiteral("base64(\\0user\\0password) (PLAIN)"), ('\0' + u + '\0' + p).toBase64()},
        {QStringLiteral("base64(user\\0user\\0password) (PLAIN with authzid)"),
         (u + '\0' + u + '\0' + p).toBase64()},
        {QStringLiteral("hex(password)"), p.toHex()},
        {QStringLiteral("HEX(password)"), p.toHex().toUpper()},
    };
}

/// "where: form" for every form of the secret found in bytes.
inline QStringList findSecret(const QString &where, const QByteArray &bytes,
                              const QList<QPair<QString, QByteArray>> &forms)
{
    QStringList hits;
    for (const auto &f : forms) {
        if (!f.second.isEmpty() && bytes.contains(f.second))
            hits << QStringLiteral("%1: %2").arg(where, f.first);
    }
    return hits;
}

/// Searches every file under dir (recursively, hidden ones too: the SQLite database, its
/// -wal and -shm, the lock file, settings). *files gets the number of files read.
inline QStringList findSecretInDir(const QString &dir,
                                   const QList<QPair<QString, QByteArray>> &forms,
                                   int *files = nullptr)
{
    QStringList hits;
    int n = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            hits << QStringLiteral("%1: cannot be read").arg(path);
            continue;
        }
        ++n;
        hits += findSecret(path, f.readAll(), forms);
    }
    if (files)
        *files = n;
    return hits;
}

/// Lists files under dir with their sizes, for messages.
inline QString describeDir(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        out << QStringLiteral("%1 (%2 bytes)").arg(path).arg(QFileInfo(path).size());
    }
    return out.join(QLatin1String(", "));
}

} // namespace outpost::securitytest
