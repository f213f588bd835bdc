#include "SmtpSession.h"

#include "WireEncoding.h"
#include "net/TlsPolicy.h"

#include <QHostAddress>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>

#include <algorithm>

namespace outpost {

Q_LOGGING_CATEGORY(lcSmtp, "outpost.smtp", QtWarningMsg)

namespace {

TlsPolicy tlsPolicyOf(const SessionConfig &c)
{
    return TlsPolicy{c.host, c.extraCaCertificates, c.pinSha256};
}

} // namespace

SmtpSession::SmtpSession(const SessionConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &SmtpSession::onTimeout);
}

SmtpSession::~SmtpSession()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void SmtpSession::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

void SmtpSession::startTimer(int ms)
{
    m_timer.start(std::max(1, ms));
}

void SmtpSession::send(const QByteArray &line, const QByteArray &logForm)
{
    const QByteArray shown = logForm.isEmpty() ? line : logForm;
    for (const QByteArray &l : shown.split('\n')) {
        QByteArray t = l;
        if (t.endsWith('\r'))
            t.chop(1);
        if (!t.isEmpty()) {
            const QString entry = QStringLiteral("C: ") + printableWire(t);
            qCDebug(lcSmtp).noquote() << m_config.logTag << entry;
            emit logLine(entry);
        }
    }
    m_socket->write(line);
}

// What a transaction writes and logs goes through the session: it owns the socket, the log
// and the one reply timer.

void SmtpSession::sendCommand(const QByteArray &lines, const QByteArray &logForm)
{
    send(lines, logForm);
}

void SmtpSession::writeOctets(const char *data, qsizetype size)
{
    m_socket->write(data, size);
}

qint64 SmtpSession::unwritten() const
{
    return m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite();
}

void SmtpSession::log(const QString &line)
{
    emit logLine(line);
}

void SmtpSession::armTimer(int ms)
{
    startTimer(ms);
}

void SmtpSession::phaseChanged(const SmtpTransaction &transaction)
{
    if (&transaction != m_current.get())
        return; // a queued transaction shows nothing until it runs
    switch (transaction.phase()) {
    case SmtpTransaction::Phase::Rset:
        setState(State::Rset);
        return;
    case SmtpTransaction::Phase::Envelope:
        setState(State::Transaction);
        return;
    case SmtpTransaction::Phase::SendingData:
        setState(State::SendingData);
        return;
    case SmtpTransaction::Phase::AwaitingDataEnd:
        setState(State::AwaitingDataEnd);
        return;
    case SmtpTransaction::Phase::Waiting:
    case SmtpTransaction::Phase::Done:
        return; // finishTransaction() sets the session's state
    }
}

void SmtpSession::requestEndOfData(const SmtpTransaction &transaction)
{
    emit endOfDataAhead(transaction.result().messageId);
}

void SmtpSession::releaseEndOfData(qint64 messageId, bool recorded)
{
    if (m_next && m_next->result().messageId == messageId) {
        // Queued behind the running one: it keeps the answer until its data gets there.
        m_next->releaseEndOfData(recorded);
        return;
    }
    if (!m_current || m_current->result().messageId != messageId)
        return;
    apply(m_current->releaseEndOfData(recorded));
}

QByteArray SmtpSession::heloName() const
{
    // RFC 5321 §4.1.4: the FQDN, or an address literal when there is none. The local
    // address literal reveals nothing the server does not see anyway.
    const QHostAddress local = m_socket ? m_socket->localAddress() : QHostAddress();
    if (local.protocol() == QAbstractSocket::IPv6Protocol && !local.toIPv4Address())
        return "[IPv6:" + local.toString().toLatin1() + ']';
    if (!local.isNull()) {
        bool ok = false;
        const quint32 v4 = local.toIPv4Address(&ok);
        if (ok)
            return '[' + QHostAddress(v4).toString().toLatin1() + ']';
    }
    return "[127.0.0.1]";
}

void SmtpSession::open()
{
    Q_ASSERT(m_state == State::Disconnected);
    m_socket = new QSslSocket(this);
    applyTlsPolicy(m_socket, tlsPolicyOf(m_config));

    connect(m_socket, &QSslSocket::connected, this, &SmtpSession::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &SmtpSession::onEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &SmtpSession::onReadyRead);
    connect(m_socket, &QSslSocket::disconnected, this, &SmtpSession::onDisconnected);
    connect(m_socket, &QSslSocket::errorOccurred, this, &SmtpSession::onSocketError);
    connect(m_socket, &QSslSocket::sslErrors, this, &SmtpSession::onSslErrors);
    connect(m_socket, &QSslSocket::bytesWritten, this, &SmtpSession::onBytesWritten);
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, &SmtpSession::onBytesWritten);

    const QString target = m_config.connectHost.isEmpty() ? m_config.host : m_config.connectHost;
    setState(State::Connecting);
    startTimer(m_config.connectTimeoutMs);
    const QString entry = QStringLiteral("-- connecting to %1:%2 (%3)")
                              .arg(m_config.host)
                              .arg(m_config.port)
                              .arg(securityName(m_config.security));
    emit logLine(entry);
    if (m_config.security == Security::Tls)
        m_socket->connectToHostEncrypted(target, m_config.port, m_config.host);
    else
        m_socket->connectToHost(target, m_config.port);
}

void SmtpSession::onConnected()
{
    // Without Nagle's algorithm: an end of data held for its owner (holdEndOfData) goes out
    // as a small write after the data, and Nagle would keep it back until the server's
    // delayed ACK of that data (40 ms on Linux) — per message. Our writes are whole command
    // groups and chunks already (the socket's buffer gathers an event-loop turn's writes).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_config.security == Security::Tls)
        return; // wait for encrypted()
    setState(State::Greeting);
    m_expected = {Expect::Greeting};
    startTimer(m_config.greetingTimeoutMs);
}

void SmtpSession::onEncrypted()
{
    {
        // A pin means only this certificate (not "this one too"): a different one is refused
        // even when a trusted CA signed it, before anything but EHLO/STARTTLS was said.
        const QString why = pinRefusal(m_socket, tlsPolicyOf(m_config));
        if (!why.isEmpty()) {
            SmtpResult r = SmtpResult::failure(ErrorClass::Certificate, why);
            r.certificateChainPem = peerChainPem(m_socket);
            r.certificateErrors = {why};
            emit logLine(QStringLiteral("-- certificate not trusted: %1").arg(why));
            failAndAbort(r);
            return;
        }
    }
    m_tlsActive = true;
    const QSslCipher cipher = m_socket->sessionCipher();
    emit logLine(
        QStringLiteral("-- TLS established (%1, %2)").arg(cipher.protocolString(), cipher.name()));
    if (m_state == State::Connecting) { // implicit TLS
        setState(State::Greeting);
        m_expected = {Expect::Greeting};
        startTimer(m_config.greetingTimeoutMs);
        return;
    }
    // STARTTLS: forget everything learned before TLS (RFC 3207 §4.2) and EHLO again.
    m_caps = {};
    sendEhlo();
}

void SmtpSession::sendEhlo()
{
    setState(State::Ehlo);
    m_expected = {Expect::Ehlo};
    send("EHLO " + heloName() + "\r\n");
    startTimer(m_config.commandTimeoutMs);
}

void SmtpSession::onReadyRead()
{
    if (!m_socket)
        return;
    const QByteArray bytes = m_socket->readAll();
    if (m_state == State::Closing || m_state == State::Closed)
        return; // draining after our close: the bytes are read so the close stays a FIN
    m_parser.feed(bytes);
    for (;;) {
        SmtpReply reply;
        const auto status = m_parser.next(&reply);
        if (status == SmtpReplyParser::Status::NeedMore)
            return;
        if (status == SmtpReplyParser::Status::Error) {
            const QString entry = QStringLiteral("S: <malformed: %1> %2")
                                      .arg(m_parser.errorString(),
                                           printableWire(m_parser.offendingBytes().left(120)));
            emit logLine(entry);
            failAndAbort(SmtpResult::failure(ErrorClass::Protocol, m_parser.errorString()));
            return;
        }
        // Each line as on the wire (RFC 5321 §4.2.1): "250-" on every line but the last,
        // "250 " on the last; a code-only last line stays the bare code.
        for (qsizetype i = 0; i < reply.lines.size(); ++i) {
            const QByteArray &l = reply.lines.at(i);
            const bool last = i + 1 == reply.lines.size();
            QByteArray rest = reply.enhanced;
            if (!l.isEmpty())
                rest += (rest.isEmpty() ? "" : " ") + l;
            QByteArray shown = QByteArray::number(reply.code);
            if (!last)
                shown += '-' + rest;
            else if (!rest.isEmpty())
                shown += ' ' + rest;
            emit logLine(QStringLiteral("S: ") + printableWire(shown));
        }
        const State before = m_state;
        handleReply(reply);
        // Handlers may have closed the session or started TLS; stop consuming then.
        if (!m_socket || m_state == State::Closed || m_state == State::Closing ||
            m_state == State::TlsHandshake || (before != m_state && m_state == State::Disconnected))
            return;
    }
}

void SmtpSession::handleReply(const SmtpReply &reply)
{
    if (!m_expected.isEmpty()) {
        const Expect what = m_expected.takeFirst();
        if (!isExpectedReply(what, reply.code)) {
            // A positive reply the protocol does not allow here (250 greeting, 354 to EHLO,
            // ...): the server, or someone on the path, is not speaking SMTP.
            failProtocol(SmtpResult::failure(
                ErrorClass::Protocol,
                QStringLiteral("unexpected reply %1 to %2").arg(reply.code).arg(expectName(what)),
                reply));
            return;
        }
        handleSessionReply(what, reply);
        return;
    }
    // Replies come in the order of the commands (RFC 2920 §3.1). The session's own commands
    // never overlap a transaction, and a queued transaction's envelope goes out only after
    // the running one's end marker, when the running one awaits nothing but the reply to it:
    // so every reply here is the running transaction's. The queued one's are read once it
    // runs (finishTransaction() promotes it before anything else is read).
    if (m_current && m_current->awaitsReply()) {
        apply(m_current->handleReply(reply));
        return;
    }
    // Nothing asked: an idle pooled session hearing from its server. A 421 means the server
    // is closing it (RFC 5321 §3.8); anything else is a protocol violation. Either way the
    // session is finished.
    if (reply.code == 421) {
        emit logLine(QStringLiteral("-- server closed the idle session (421)"));
        closeGracefully();
    } else {
        failAndAbort(SmtpResult::failure(
            ErrorClass::Protocol, QStringLiteral("unsolicited reply %1").arg(reply.code), reply));
    }
}

void SmtpSession::handleSessionReply(Expect what, const SmtpReply &reply)
{
    switch (what) {
    case Expect::Greeting:
        if (reply.code == 220) {
            sendEhlo();
        } else {
            // RFC 5321 §3.1: a 554 greeting refuses this session, not the messages: they wait
            // and are tried again later, like after a 421. A 554 is answered with QUIT.
            SmtpResult r = SmtpResult::fromReply(reply);
            r.errorClass = ErrorClass::Transient;
            r.detail = QStringLiteral("the server refused the session");
            failOpen(r, reply.code == 554);
        }
        return;
    case Expect::Ehlo:
        if (reply.code == 250) {
            m_caps = Capabilities::fromEhloReply(reply);
            afterEhlo();
        } else if (reply.code == 500 || reply.code == 502) {
            // RFC 5321 §4.1.4: fall back to HELO, without any extension. (A 421 is not this.)
            setState(State::Helo);
            m_expected = {Expect::Helo};
            send("HELO " + heloName() + "\r\n");
            startTimer(m_config.commandTimeoutMs);
        } else {
            failOpen(SmtpResult::fromReply(reply), reply.code != 421);
        }
        return;
    case Expect::Helo:
        if (reply.code == 250) {
            m_caps = {};
            afterEhlo();
        } else {
            failOpen(SmtpResult::fromReply(reply), reply.code != 421);
        }
        return;
    case Expect::StartTls:
        if (reply.code != 220) {
            SmtpResult r = SmtpResult::fromReply(reply);
            r.errorClass = reply.code == 421 ? ErrorClass::Transient : ErrorClass::Tls;
            r.detail = QStringLiteral("the server refused STARTTLS");
            failOpen(r, reply.code != 421);
            return;
        }
        // RFC 3207 §6 / CVE-2011-0411: anything already received after the 220 was sent in
        // plaintext by whoever is on the path; it must never be taken as a reply inside TLS.
        if (m_parser.hasBufferedData() || m_socket->bytesAvailable() > 0) {
            emit logLine(QStringLiteral(
                "-- data after the STARTTLS 220 before the handshake: possible injection"));
            failAndAbort(SmtpResult::failure(
                ErrorClass::Protocol, QStringLiteral("plaintext data injected after STARTTLS"),
                reply));
            return;
        }
        m_parser.reset();
        setState(State::TlsHandshake);
        startTimer(m_config.connectTimeoutMs);
        m_socket->startClientEncryption();
        return;
    case Expect::Auth:
        if (reply.code == 334) {
            const QByteArray challenge = QByteArray::fromBase64(reply.lines.value(0));
            std::optional<QByteArray> response = m_sasl ? m_sasl->respond(challenge) : std::nullopt;
            m_expected.prepend(Expect::Auth);
            if (!response) {
                send("*\r\n"); // RFC 4954 §4: cancel the exchange
            } else {
                send(response->toBase64() + "\r\n", "<redacted>");
            }
            startTimer(m_config.commandTimeoutMs);
        } else if (reply.code == 235) {
            if (m_sasl && m_sasl->name().startsWith("SCRAM") && !m_sasl->isComplete()) {
                // RFC 5802 §3: without the server's proof the server was not authenticated.
                failOpen(
                    SmtpResult::failure(
                        ErrorClass::Auth,
                        QStringLiteral("the server did not prove it knows the password (SCRAM)"),
                        reply),
                    true);
                return;
            }
            becomeReady();
        } else {
            SmtpResult r = SmtpResult::fromReply(reply);
            // 535/534/530/5xx: the credentials or the mechanism were refused. 454 and other
            // 4xx: temporary (RFC 4954 §6).
            if (reply.isPermanent())
                r.errorClass = ErrorClass::Auth;
            r.detail = QStringLiteral("authentication refused");
            failOpen(r, reply.code != 421);
        }
        return;
    case Expect::Quit:
        closeGracefully();
        return;
    }
}

bool SmtpSession::isExpectedReply(Expect what, int code)
{
    if (code >= 400 && code < 600)
        return what != Expect::Greeting || code == 554 || (code >= 400 && code < 500);
    switch (what) {
    case Expect::Greeting:
    case Expect::StartTls:
        return code == 220; // RFC 5321 §4.3.2, RFC 3207 §4
    case Expect::Ehlo:
    case Expect::Helo:
        return code == 250;
    case Expect::Auth:
        return code == 334 || code == 235; // RFC 4954 §4, §6
    case Expect::Quit:
        return true; // the session ends whatever the server says
    }
    return false;
}

QString SmtpSession::expectName(Expect what)
{
    switch (what) {
    case Expect::Greeting:
        return QStringLiteral("the greeting");
    case Expect::Ehlo:
        return QStringLiteral("EHLO");
    case Expect::Helo:
        return QStringLiteral("HELO");
    case Expect::StartTls:
        return QStringLiteral("STARTTLS");
    case Expect::Auth:
        return QStringLiteral("AUTH");
    case Expect::Quit:
        return QStringLiteral("QUIT");
    }
    return {};
}

void SmtpSession::failProtocol(const SmtpResult &result)
{
    emit logLine(QStringLiteral("-- %1: protocol error, closing the session").arg(result.detail));
    m_timer.stop();
    dropExpectedReplies();
    m_broken = true; // nothing more runs on this session, whoever hears of the failure first
    if (m_current)
        finishTransaction(result);
    else if (!m_opened)
        emit openFailed(result);
    // No QUIT: the server's state is unknown. close_notify and FIN, then wait for its close.
    closeGracefully();
}

void SmtpSession::afterEhlo()
{
    if (m_config.security == Security::StartTls && !m_tlsActive) {
        if (!m_caps.startTls) {
            // No downgrade: a starttls account never goes on in plaintext (RFC 3207 §4.1).
            failOpen(SmtpResult::failure(ErrorClass::Tls,
                                         QStringLiteral("the server does not offer STARTTLS")),
                     true);
            return;
        }
        setState(State::StartTls);
        m_expected = {Expect::StartTls};
        send("STARTTLS\r\n");
        startTimer(m_config.commandTimeoutMs);
        return;
    }
    startAuth();
}

void SmtpSession::startAuth()
{
    const bool wantsAuth = m_config.auth.compare(QLatin1String("none"), Qt::CaseInsensitive) != 0 &&
                           !m_config.credentials.user.isEmpty();
    if (!wantsAuth) {
        becomeReady();
        return;
    }
    if (!m_tlsActive) {
        const QString target =
            m_config.connectHost.isEmpty() ? m_config.host : m_config.connectHost;
        if (!(m_config.allowPlainAuth && isLoopbackHost(target) && isLoopbackHost(m_config.host))) {
            failOpen(
                SmtpResult::failure(ErrorClass::Local,
                                    QStringLiteral("refusing to send credentials without TLS")),
                true);
            return;
        }
    }
    const QString mech =
        chooseSaslMechanism(m_caps.authMechanisms, m_config.auth, m_config.credentials);
    if (mech.isEmpty()) {
        failOpen(SmtpResult::failure(
                     ErrorClass::Auth,
                     QStringLiteral("no usable authentication mechanism (server offers: %1)")
                         .arg(m_caps.authMechanisms.join(QLatin1Char(' ')))),
                 true);
        return;
    }
    m_sasl = createSaslMechanism(mech, m_config.credentials);
    if (!m_sasl) {
        failOpen(SmtpResult::failure(ErrorClass::Auth,
                                     QStringLiteral("unsupported mechanism %1").arg(mech)),
                 true);
        return;
    }
    setState(State::Auth);
    m_expected = {Expect::Auth};
    const std::optional<QByteArray> initial = m_sasl->initialResponse();
    QByteArray line = "AUTH " + m_sasl->name();
    QByteArray shown = line;
    if (initial) {
        line += ' ' + (initial->isEmpty() ? QByteArray("=") : initial->toBase64());
        shown += " <redacted>";
    }
    send(line + "\r\n", shown);
    startTimer(m_config.commandTimeoutMs);
}

void SmtpSession::becomeReady()
{
    m_sasl.reset();
    m_timer.stop();
    m_expected.clear();
    setState(State::Ready);
    if (!m_opened) {
        m_opened = true;
        if (m_quitRequested) {
            quit();
            return;
        }
        emit ready();
    }
}

void SmtpSession::submit(const OutgoingMessage &message)
{
    Q_ASSERT(m_state == State::Ready);
    runTransaction(makeTransaction(message, m_transactions > 0));
}

std::unique_ptr<SmtpTransaction> SmtpSession::makeTransaction(const OutgoingMessage &message,
                                                              bool sessionReused)
{
    SmtpTransaction::Channel &channel = *this;
    return std::make_unique<SmtpTransaction>(message, sessionReused, m_caps, m_config, channel);
}

void SmtpSession::runTransaction(std::unique_ptr<SmtpTransaction> transaction)
{
    m_current = std::move(transaction);
    // Checks that need no server round trip (RFC 1870, RFC 6152, RFC 6531, RFC 5321 §4.5.3.1.6)
    // were made when the transaction was.
    if (m_current->localRefusal()) {
        const SmtpResult refused = *m_current->localRefusal();
        finishTransaction(refused);
        return;
    }
    m_current->start(m_needsRset);
}

bool SmtpSession::canQueueNext() const
{
    return m_current && !m_next && !m_quitRequested && m_caps.pipelining &&
           m_config.allowPipelining && !(m_caps.chunking && m_config.allowChunking) &&
           (m_state == State::Rset || m_state == State::Transaction ||
            m_state == State::SendingData || m_state == State::AwaitingDataEnd);
}

void SmtpSession::queueNext(const OutgoingMessage &message)
{
    Q_ASSERT(canQueueNext());
    // Checked and encoded now, while the current one runs.
    m_next = makeTransaction(message, true);
    if (m_state == State::AwaitingDataEnd)
        sendNextEnvelope(); // the running end marker is already out
}

void SmtpSession::sendNextEnvelope()
{
    // After quit() nothing new starts: the queued message is reported, never sent.
    if (!m_next || m_next->envelopeSent() || m_next->localRefusal() || !m_socket || m_quitRequested)
        return;
    m_next->sendPipelinedEnvelope();
}

void SmtpSession::apply(const SmtpTransaction::Step &step)
{
    switch (step.kind) {
    case SmtpTransaction::Step::Kind::Continue:
        return;
    case SmtpTransaction::Step::Kind::EndMarkerWritten:
        sendNextEnvelope(); // RFC 2920 §3.1: joins the end marker's write
        return;
    case SmtpTransaction::Step::Kind::Finished:
        finishTransaction(step.result);
        return;
    case SmtpTransaction::Step::Kind::FinishedClosing:
        // The session ends here (421, refused RSET): nothing more starts on it, neither the
        // message queued behind this one (reported as not reached, so the pool sends it on a
        // fresh session) nor one the pool would hand to a session it still thought idle.
        m_broken = true;
        finishTransaction(step.result);
        closeGracefully();
        return;
    case SmtpTransaction::Step::Kind::ProtocolError:
        failProtocol(step.result);
        return;
    case SmtpTransaction::Step::Kind::Abandon:
        failAndAbort(step.result);
        return;
    }
}

void SmtpSession::onBytesWritten()
{
    if (m_state == State::SendingData && m_current) {
        startTimer(m_config.dataBlockTimeoutMs); // progress: RFC 5321 §4.5.3.2.5 is per block
        apply(m_current->writeMore());
    }
}

void SmtpSession::dropExpectedReplies()
{
    m_expected.clear();
    if (m_current)
        m_current->dropExpectedReplies();
    if (m_next)
        m_next->dropExpectedReplies();
}

void SmtpSession::finishTransaction(const SmtpResult &result)
{
    if (!m_current)
        return;
    const std::unique_ptr<SmtpTransaction> done = std::move(m_current);
    m_timer.stop();
    // The queued transaction's replies come after every one of the running transaction's.
    const bool doneAwaitsNothing = !done->awaitsReply();
    bool protocolBroken = false;
    const TransactionResult tx = done->conclude(result, &protocolBroken);
    if (protocolBroken)
        m_broken = true;
    if (tx.mailAnswered)
        ++m_transactions;
    // Only a transaction whose MAIL went out changed what the server holds (an RSET that was
    // refused or never answered leaves it as it was: open).
    if (done->envelopeSent())
        m_needsRset = done->leavesServerTransactionOpen();
    const bool connectionUsable =
        !m_broken && m_socket && m_socket->state() == QAbstractSocket::ConnectedState &&
        (m_state == State::Transaction || m_state == State::Rset || m_state == State::SendingData ||
         m_state == State::AwaitingDataEnd || m_state == State::Ready);
    std::unique_ptr<SmtpTransaction> next = std::move(m_next);
    // The queued message's envelope is already on the wire behind this end marker: it becomes
    // the running transaction before anyone hears of this one, so the pool sees a busy session.
    const bool promote = next && next->envelopeSent() && connectionUsable && doneAwaitsNothing &&
                         next->awaitsReply();
    // Queued but not sent (this transaction ended before its end marker): started after this
    // report, unless the session is going away.
    const bool startNext = next && !next->envelopeSent() && connectionUsable && !m_quitRequested;
    if (promote) {
        m_current = std::move(next);
        m_current->promote();
    } else if (connectionUsable) {
        setState(State::Ready);
    }
    m_holdIdle = startNext;
    emit transactionFinished(tx);
    m_holdIdle = false;
    if (next) {
        if (startNext && m_state == State::Ready && !m_quitRequested) {
            next->setSessionReused(m_transactions > 0);
            runTransaction(std::move(next));
            return;
        }
        // The session ends before the queued message's turn: it never got a MAIL reply, so
        // the pool may send it again on a fresh session.
        TransactionResult lost = next->result();
        lost.result = SmtpResult::failure(
            ErrorClass::Network,
            m_quitRequested ? QStringLiteral("the session closed before this message's turn")
                            : QStringLiteral("the connection ended before this message's turn"));
        emit transactionFinished(lost);
    }
    if (connectionUsable && m_quitRequested && m_state == State::Ready)
        quit();
}

void SmtpSession::failOpen(const SmtpResult &result, bool sendQuit)
{
    m_timer.stop();
    m_expected.clear();
    emit openFailed(result);
    if (sendQuit && m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        setState(State::Quitting);
        m_expected = {Expect::Quit};
        send("QUIT\r\n");
        startTimer(m_config.quitTimeoutMs);
    } else {
        closeGracefully();
    }
}

void SmtpSession::failAndAbort(const SmtpResult &result)
{
    m_timer.stop();
    dropExpectedReplies();
    m_broken = true;
    if (m_current)
        finishTransaction(m_current->resultWhenAborted(result));
    else if (!m_opened)
        emit openFailed(result);
    if (m_socket) {
        // QAbstractSocket::abort() emits disconnected() at once; while quitting that would
        // read as a graceful close. This close is ours and is reported as Aborted.
        m_socket->disconnect(this);
        m_socket->abort();
    }
    finishClose(CloseKind::Aborted);
}

void SmtpSession::quit()
{
    m_quitRequested = true;
    switch (m_state) {
    case State::Ready:
        if (m_holdIdle)
            return; // finishTransaction() QUITs once it has dealt with the queued message
        setState(State::Quitting);
        m_expected = {Expect::Quit};
        send("QUIT\r\n");
        startTimer(m_config.quitTimeoutMs);
        return;
    case State::Disconnected:
    case State::Closed:
        finishClose(CloseKind::Graceful);
        return;
    default:
        // Connecting, setting up or inside a transaction: QUIT once it is done (becomeReady()
        // and finishTransaction() check m_quitRequested). The caller's deadline bounds this.
        return;
    }
}

void SmtpSession::closeGracefully()
{
    if (!m_socket || m_state == State::Closed) {
        finishClose(CloseKind::Graceful);
        return;
    }
    if (m_state == State::Closing)
        return;
    setState(State::Closing);
    dropExpectedReplies();
    // Close our side (close_notify under TLS, then FIN) and keep reading until the server
    // closes its side too, so no unread data turns the close into a reset.
    startTimer(m_config.quitTimeoutMs);
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        finishClose(CloseKind::Graceful);
        return;
    }
    m_socket->disconnectFromHost();
}

void SmtpSession::abort()
{
    m_timer.stop();
    dropExpectedReplies(); // nothing more is read: a queued message is reported, not started
    if (m_current)
        finishTransaction(
            SmtpResult::failure(ErrorClass::Network, QStringLiteral("session aborted")));
    if (m_socket)
        m_socket->abort();
    finishClose(CloseKind::Aborted);
}

void SmtpSession::closeNow()
{
    if (!m_socket || m_state == State::Closed || m_state == State::Disconnected) {
        finishClose(CloseKind::Graceful);
        return;
    }
    if (m_state == State::Closing)
        return; // our close_notify and FIN are out already
    m_timer.stop();
    dropExpectedReplies();
    m_broken = true;
    if (m_current)
        finishTransaction(SmtpResult::failure(
            ErrorClass::Network, QStringLiteral("the session was closed at exit before the "
                                                "server answered")));
    if (!m_socket)
        return;
    if (m_socket->bytesToWrite() > 0 || m_socket->encryptedBytesToWrite() > 0) {
        // The server stopped reading: a close would wait behind bytes it never takes.
        emit logLine(QStringLiteral("-- the server stopped reading; aborting the connection"));
        m_socket->disconnect(this);
        m_socket->abort();
        finishClose(CloseKind::Aborted);
        return;
    }
    emit logLine(QStringLiteral("-- no reply before the exit deadline; closing"));
    closeGracefully();
}

void SmtpSession::onDisconnected()
{
    if (m_state == State::Closed)
        return; // already ended (a close_notify came before the FIN)
    if (m_state == State::Closing || m_state == State::Quitting) {
        finishClose(CloseKind::Graceful);
        return;
    }
    sessionLost();
}

void SmtpSession::sessionLost()
{
    const SmtpResult lost = SmtpResult::failure(ErrorClass::Network,
                                                QStringLiteral("the server closed the connection"));
    dropExpectedReplies();
    if (m_current) {
        finishTransaction(m_current->resultWhenLost(lost));
    } else if (!m_opened) {
        emit openFailed(lost);
    }
    finishClose(CloseKind::Lost);
}

void SmtpSession::onSocketError()
{
    if (!m_socket)
        return;
    const auto err = m_socket->error();
    // Under TLS, RemoteHostClosedError with the connection still up is the server's
    // close_notify (RFC 8446 §6.1): the session is over now, whether or not a FIN follows.
    const bool closeNotify = m_tlsActive && err == QAbstractSocket::RemoteHostClosedError &&
                             m_socket->state() != QAbstractSocket::UnconnectedState;
    if (m_state == State::Closing || m_state == State::Quitting) {
        if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            finishClose(CloseKind::Graceful);
        } else if (closeNotify) {
            m_socket->disconnectFromHost(); // our close_notify and FIN
            finishClose(CloseKind::Graceful);
        }
        return;
    }
    if (closeNotify) {
        emit logLine(QStringLiteral("-- the server ended TLS (close_notify)"));
        sessionLost();
        m_socket->disconnectFromHost();
        return;
    }
    if (err == QAbstractSocket::RemoteHostClosedError &&
        m_socket->state() != QAbstractSocket::UnconnectedState)
        return; // disconnected() follows
    ErrorClass cls = ErrorClass::Network;
    if (err == QAbstractSocket::SslHandshakeFailedError ||
        err == QAbstractSocket::SslInternalError || err == QAbstractSocket::SslInvalidUserDataError)
        cls = ErrorClass::Tls;
    SmtpResult r = SmtpResult::failure(cls, m_socket->errorString());
    if (m_tlsFailure.errorClass == ErrorClass::Certificate)
        r = m_tlsFailure;
    m_timer.stop();
    dropExpectedReplies();
    if (m_current) {
        finishTransaction(m_current->resultWhenLost(r));
    } else if (!m_opened) {
        emit openFailed(r);
    }
    m_opened = true; // do not report twice
    m_socket->abort();
    finishClose(CloseKind::Lost);
}

void SmtpSession::onSslErrors(const QList<QSslError> &errors)
{
    if (pinAcceptsPeer(m_socket, tlsPolicyOf(m_config))) {
        emit logLine(QStringLiteral("-- certificate accepted by its pinned SHA-256 fingerprint"));
        m_socket->ignoreSslErrors(errors);
        return;
    }
    const QStringList why = sslErrorStrings(errors);
    m_tlsFailure = SmtpResult::failure(ErrorClass::Certificate, why.join(QLatin1String("; ")));
    m_tlsFailure.certificateChainPem = peerChainPem(m_socket);
    m_tlsFailure.certificateErrors = why;
    emit logLine(
        QStringLiteral("-- certificate not trusted: %1").arg(why.join(QLatin1String("; "))));
    // Not ignored: Qt aborts the handshake and onSocketError() reports m_tlsFailure.
}

void SmtpSession::onTimeout()
{
    switch (m_state) {
    case State::Closing:
        emit logLine(QStringLiteral("-- the server did not close in time; aborting"));
        if (m_socket)
            m_socket->abort();
        finishClose(CloseKind::Aborted);
        return;
    case State::Quitting:
        emit logLine(QStringLiteral("-- no reply to QUIT; closing"));
        closeGracefully();
        return;
    default:
        break;
    }
    const QString what = QVariant::fromValue(m_state).toString();
    emit logLine(QStringLiteral("-- timeout in state %1").arg(what));
    failAndAbort(SmtpResult::failure(ErrorClass::Timeout,
                                     QStringLiteral("no reply in time (%1)").arg(what)));
}

void SmtpSession::finishClose(CloseKind kind)
{
    m_timer.stop();
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    setState(State::Closed);
    emit logLine(
        QStringLiteral("-- connection closed (%1)").arg(QVariant::fromValue(kind).toString()));
    emit closed(kind);
}

} // namespace outpost
