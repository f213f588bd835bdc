#include "SmtpSession.h"

#include "WireEncoding.h"

#include <QHostAddress>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>

#include <algorithm>

namespace outpost {

Q_LOGGING_CATEGORY(lcSmtp, "outpost.smtp", QtWarningMsg)

namespace {

constexpr qsizetype kWriteHighWater = 256 * 1024; // keep at most this much in the socket buffer
constexpr qsizetype kWriteChunk = 64 * 1024;

bool isLoopback(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress a(host);
    return !a.isNull() && a.isLoopback();
}

QList<QByteArray> chainPem(const QList<QSslCertificate> &chain)
{
    QList<QByteArray> out;
    for (const auto &c : chain)
        out << c.toPem();
    return out;
}

} // namespace

QString transactionNoteName(TransactionNote note)
{
    switch (note) {
    case TransactionNote::DsnNotOffered:
        return QStringLiteral("dsn-not-offered");
    }
    return {};
}

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
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!m_config.extraCaCertificates.isEmpty()) {
        QList<QSslCertificate> cas = ssl.caCertificates();
        cas += m_config.extraCaCertificates;
        ssl.setCaCertificates(cas);
    }
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    m_socket->setSslConfiguration(ssl);
    m_socket->setPeerVerifyName(m_config.host);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

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
    if (m_config.security == Security::Tls)
        return; // wait for encrypted()
    setState(State::Greeting);
    m_expected = {Expect::Greeting};
    startTimer(m_config.greetingTimeoutMs);
}

void SmtpSession::onEncrypted()
{
    if (!m_config.pinSha256.isEmpty()) {
        // A pin means only this certificate (not "this one too"): a different one is refused
        // even when a trusted CA signed it, before anything but EHLO/STARTTLS was said.
        const QSslCertificate leaf = m_socket->peerCertificate();
        if (leaf.isNull() || leaf.digest(QCryptographicHash::Sha256) != m_config.pinSha256) {
            const QString why = QStringLiteral("the server's certificate is not the one pinned "
                                               "for this account");
            SmtpResult r = SmtpResult::failure(ErrorClass::Certificate, why);
            r.certificateChainPem = chainPem(m_socket->peerCertificateChain());
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
    if (m_expected.isEmpty()) {
        // Nothing asked: an idle pooled session hearing from its server. A 421 means the server
        // is closing it (RFC 5321 §3.8); anything else is a protocol violation. Either way the
        // session is finished.
        if (reply.code == 421) {
            emit logLine(QStringLiteral("-- server closed the idle session (421)"));
            closeGracefully();
        } else {
            failAndAbort(SmtpResult::failure(ErrorClass::Protocol,
                                             QStringLiteral("unsolicited reply %1").arg(reply.code),
                                             reply));
        }
        return;
    }
    const Expect what = m_expected.takeFirst();
    if (!isExpectedReply(what, reply.code)) {
        // A positive reply the protocol does not allow here (250 greeting, 354 to EHLO, 250 to
        // DATA, 354 to the end marker, ...): the server, or someone on the path, is not
        // speaking SMTP. Nothing is taken from it, least of all a delivery.
        failProtocol(reply, what);
        return;
    }
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
    case Expect::Rset:
        if (reply.code >= 200 && reply.code < 300) {
            m_needsRset = false;
            sendEnvelope();
        } else {
            finishTransaction(SmtpResult::fromReply(reply));
            if (m_socket && m_state != State::Closing && m_state != State::Closed)
                closeGracefully();
        }
        return;
    case Expect::Mail:
        m_tx.mailAnswered = true;
        m_mailReply = reply;
        if (!reply.isPositive() && !m_pipelined) {
            finishTransaction(SmtpResult::fromReply(reply));
            return;
        }
        if (!m_pipelined) {
            send(rcptCommand(m_msg.recipients.value(m_rcptIndex), m_msg.dsn, m_dsn));
            m_expected = {Expect::Rcpt};
            startTimer(m_config.commandTimeoutMs);
        }
        return;
    case Expect::Rcpt: {
        RecipientResult rr;
        rr.address = m_msg.recipients.value(m_rcptIndex);
        rr.reply = reply;
        rr.accepted = reply.isPositive();
        m_tx.recipients.append(rr);
        ++m_rcptIndex;
        if (reply.code == 421) {
            // The server is shutting the session down: the whole transaction is deferred.
            if (m_pipelined)
                m_expected.clear();
            finishTransaction(SmtpResult::fromReply(reply));
            closeGracefully();
            return;
        }
        if (m_pipelined) {
            // With BDAT nothing follows the RCPTs in the pipelined group (RFC 3030 §4.2 lets a
            // BDAT join it, but its chunk would then go even when every RCPT was refused):
            // the chunks start once the last RCPT reply is in.
            if (m_bdat && m_rcptIndex >= m_msg.recipients.size()) {
                if (!m_mailReply.isPositive())
                    finishTransaction(SmtpResult::fromReply(m_mailReply));
                else
                    startData();
            }
            return;
        }
        if (m_rcptIndex < m_msg.recipients.size()) {
            send(rcptCommand(m_msg.recipients.value(m_rcptIndex), m_msg.dsn, m_dsn));
            m_expected = {Expect::Rcpt};
            startTimer(m_config.commandTimeoutMs);
            return;
        }
        startData();
        return;
    }
    case Expect::Data: {
        bool anyAccepted = false;
        for (const auto &r : m_tx.recipients)
            anyAccepted = anyAccepted || r.accepted;
        if (reply.code == 354 && m_mailReply.isPositive() && anyAccepted) {
            setState(State::SendingData);
            m_expected = {Expect::DataEnd};
            startTimer(m_config.dataBlockTimeoutMs);
            pumpData();
            return;
        }
        if (reply.code == 354) {
            // Pipelined DATA accepted although nothing else was (RFC 2920 §3.1): send an empty
            // body so the transaction ends, then report the earlier refusal.
            m_wire = ".\r\n";
            m_wireOffset = 0;
            m_msg.recipients.clear();
            m_expected = {Expect::DataEnd};
            m_dataRequested = false;
            send(m_wire, "<end of data>");
            m_wire.clear();
            startTimer(m_config.dataEndTimeoutMs);
            return;
        }
        // DATA refused. Report the refusal that explains it: MAIL's, else the recipients'.
        if (!m_mailReply.isPositive()) {
            finishTransaction(SmtpResult::fromReply(m_mailReply));
        } else if (!anyAccepted && !m_tx.recipients.isEmpty()) {
            SmtpReply first = m_tx.recipients.first().reply;
            bool anyTransient = false;
            for (const auto &r : m_tx.recipients)
                anyTransient = anyTransient || r.reply.isTransient();
            SmtpResult res = SmtpResult::fromReply(first);
            if (anyTransient)
                res.errorClass = ErrorClass::Transient;
            finishTransaction(res);
        } else {
            finishTransaction(SmtpResult::fromReply(reply));
        }
        return;
    }
    case Expect::BdatChunk:
        handleBdatReply(what, reply);
        return;
    case Expect::DataEnd: {
        if (m_bdat) {
            handleBdatReply(what, reply);
            return;
        }
        m_needsRset = false; // the end-of-data reply ends the transaction, whatever it says
        if (m_msg.recipients.isEmpty() && !m_mailReply.isPositive()) {
            finishTransaction(SmtpResult::fromReply(m_mailReply));
            return;
        }
        if (m_msg.recipients.isEmpty()) {
            SmtpResult res = SmtpResult::fromReply(m_tx.recipients.value(0).reply);
            finishTransaction(res);
            return;
        }
        SmtpResult res = SmtpResult::fromReply(reply);
        if (res.ok()) {
            for (auto &r : m_tx.recipients) {
                if (r.accepted)
                    r.reply = reply;
            }
        } else {
            for (auto &r : m_tx.recipients) {
                if (r.accepted) {
                    r.accepted = false;
                    r.reply = reply;
                }
            }
        }
        finishTransaction(res);
        return;
    }
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
    case Expect::Rset:
    case Expect::Mail:
    case Expect::Rcpt:
    case Expect::BdatChunk:
    case Expect::DataEnd:
        return code >= 200 && code < 300; // RCPT: 250, 251, 252
    case Expect::Data:
        return code == 354;
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
    case Expect::Rset:
        return QStringLiteral("RSET");
    case Expect::Mail:
        return QStringLiteral("MAIL");
    case Expect::Rcpt:
        return QStringLiteral("RCPT");
    case Expect::Data:
        return QStringLiteral("DATA");
    case Expect::BdatChunk:
        return QStringLiteral("BDAT");
    case Expect::DataEnd:
        return QStringLiteral("the end of data");
    case Expect::Quit:
        return QStringLiteral("QUIT");
    }
    return {};
}

void SmtpSession::failProtocol(const SmtpReply &reply, Expect what)
{
    const QString detail = QStringLiteral("unexpected reply %1 to %2")
                               .arg(reply.code)
                               .arg(what == Expect::DataEnd && m_bdat ? QStringLiteral("BDAT LAST")
                                                                      : expectName(what));
    emit logLine(QStringLiteral("-- %1: protocol error, closing the session").arg(detail));
    m_timer.stop();
    m_expected.clear();
    m_broken = true; // nothing more runs on this session, whoever hears of the failure first
    const SmtpResult r = SmtpResult::failure(ErrorClass::Protocol, detail, reply);
    if (m_inTransaction)
        finishTransaction(r);
    else if (!m_opened)
        emit openFailed(r);
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
        if (!(m_config.allowPlainAuth && isLoopback(target) && isLoopback(m_config.host))) {
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

std::optional<SmtpResult> SmtpSession::prepare(const OutgoingMessage &message, Prepared *out) const
{
    if (message.recipients.isEmpty())
        return SmtpResult::failure(ErrorClass::Local,
                                   QStringLiteral("the message has no recipients"));
    for (const QByteArray &a :
         std::as_const(message.recipients) + QList<QByteArray>{message.reversePath}) {
        for (const char c : a) {
            if (c == '\r' || c == '\n' || c == '<' || c == '>' ||
                static_cast<unsigned char>(c) < 0x20) {
                return SmtpResult::failure(
                    ErrorClass::Local, QStringLiteral("invalid character in envelope address %1")
                                           .arg(printableWire(a)));
            }
        }
    }
    if (message.needsSmtpUtf8 && !m_caps.smtpUtf8) {
        return SmtpResult::failure(
            ErrorClass::Local, QStringLiteral("the message needs SMTPUTF8 (a non-ASCII address), "
                                              "which the server does not offer"));
    }
    out->bdat = m_caps.chunking && m_config.allowChunking;
    qsizetype longest = 0;
    bool eightBit = false;
    // The end marker of DATA is written after the wire bytes (pumpData()), so a message that
    // needs no change is not copied to append it.
    out->wire = normalizeForWire(message.data, out->bdat ? WireForm::Bdat : WireForm::Data,
                                 &longest, &eightBit);
    if (longest > kMaxSmtpLineOctets) {
        return SmtpResult::failure(
            ErrorClass::Local,
            QStringLiteral("a line of the message is %1 octets long; SMTP allows 998")
                .arg(longest));
    }
    if (eightBit && !m_caps.eightBitMime && !message.needsSmtpUtf8) {
        return SmtpResult::failure(
            ErrorClass::Local,
            QStringLiteral("the message holds 8-bit data and the server does not offer 8BITMIME"));
    }
    out->eightBit = eightBit;
    out->size = out->wire.size();
    if (m_caps.sizeLimit > 0 && out->size > m_caps.sizeLimit) {
        return SmtpResult::failure(ErrorClass::Local,
                                   QStringLiteral("the message is %1 bytes; the server accepts "
                                                  "at most %2")
                                       .arg(out->size)
                                       .arg(m_caps.sizeLimit));
    }
    return std::nullopt;
}

void SmtpSession::submit(const OutgoingMessage &message)
{
    Q_ASSERT(m_state == State::Ready);
    m_msg = message;
    m_tx = TransactionResult();
    m_tx.messageId = message.id;
    m_tx.sessionReused = m_transactions > 0;
    m_tx.server = QStringLiteral("%1:%2").arg(m_config.host).arg(m_config.port);
    m_inTransaction = true;
    m_mailReply = {};
    m_rcptIndex = 0;
    m_dataRequested = false;
    m_wireOffset = 0;
    m_chunkLeft = 0;
    m_bdatRefusal.reset();

    // Checks that need no server round trip (RFC 1870, RFC 6152, RFC 6531, RFC 5321 §4.5.3.1.6).
    Prepared prep;
    if (const auto refused = prepare(m_msg, &prep)) {
        finishTransaction(*refused);
        return;
    }
    m_bdat = prep.bdat;
    m_wire = std::move(prep.wire);
    m_msgEightBit = prep.eightBit;
    m_msgSize = prep.size;
    beginTransaction();
}

bool SmtpSession::canQueueNext() const
{
    return m_inTransaction && !m_next && !m_quitRequested && m_caps.pipelining &&
           m_config.allowPipelining && !(m_caps.chunking && m_config.allowChunking) &&
           (m_state == State::Rset || m_state == State::Transaction ||
            m_state == State::SendingData || m_state == State::AwaitingDataEnd);
}

void SmtpSession::queueNext(const OutgoingMessage &message)
{
    Q_ASSERT(canQueueNext());
    NextTransaction next;
    next.msg = message;
    next.tx.messageId = message.id;
    next.tx.sessionReused = true;
    next.tx.server = QStringLiteral("%1:%2").arg(m_config.host).arg(m_config.port);
    next.refused = prepare(message, &next.prep); // encoded now, while the current one runs
    m_next = std::move(next);
    if (m_state == State::AwaitingDataEnd)
        sendNextEnvelope(); // the running end marker is already out
}

void SmtpSession::beginTransaction()
{
    setState(State::Transaction);
    if (m_needsRset) {
        // The previous transaction was left open (refused RCPT, failed DATA): RFC 5321 §4.1.1.5.
        setState(State::Rset);
        m_expected = {Expect::Rset};
        send("RSET\r\n");
        startTimer(m_config.commandTimeoutMs);
        return;
    }
    sendEnvelope();
}

SmtpSession::Envelope SmtpSession::envelopeFor(const OutgoingMessage &message, const Prepared &prep,
                                               bool pipelined) const
{
    Envelope e;
    QByteArray mail = "MAIL FROM:<" + message.reversePath + '>';
    if (m_caps.esmtp) {
        if (m_caps.sizeAdvertised)
            mail += " SIZE=" + QByteArray::number(prep.size);
        if (prep.eightBit && m_caps.eightBitMime)
            mail += " BODY=8BITMIME";
        if (message.needsSmtpUtf8 && m_caps.smtpUtf8)
            mail += " SMTPUTF8";
    }
    // RFC 3461: only to a server that offers DSN; otherwise the message goes without the
    // parameters and the result says so (TransactionNote::DsnNotOffered).
    e.dsn = message.dsn.isRequested() && m_caps.esmtp && m_caps.dsn;
    e.dsnNotOffered = message.dsn.isRequested() && !e.dsn;
    if (e.dsn) {
        if (message.dsn.ret == DsnRequest::Ret::Full)
            mail += " RET=FULL"; // §4.3
        else if (message.dsn.ret == DsnRequest::Ret::Hdrs)
            mail += " RET=HDRS";
        if (!message.dsn.envid.isEmpty())
            mail += " ENVID=" + xtextEncode(message.dsn.envid); // §4.4
    }
    e.commands = mail + "\r\n";
    e.expects = {Expect::Mail};
    if (pipelined) {
        // RFC 2920 §3.1: MAIL, every RCPT and DATA in one write; replies come in order.
        for (const QByteArray &r : std::as_const(message.recipients)) {
            e.commands += rcptCommand(r, message.dsn, e.dsn);
            e.expects << Expect::Rcpt;
        }
        if (!prep.bdat) {
            e.commands += "DATA\r\n";
            e.expects << Expect::Data;
        }
    }
    return e;
}

void SmtpSession::sendEnvelope()
{
    setState(State::Transaction);
    m_needsRset = true; // until the transaction ends cleanly
    m_pipelined = m_caps.pipelining && m_config.allowPipelining;
    Prepared prep;
    prep.size = m_msgSize;
    prep.eightBit = m_msgEightBit;
    prep.bdat = m_bdat;
    const Envelope e = envelopeFor(m_msg, prep, m_pipelined);
    m_dsn = e.dsn;
    if (e.dsnNotOffered && !m_tx.notes.contains(TransactionNote::DsnNotOffered)) {
        m_tx.notes << TransactionNote::DsnNotOffered;
        emit logLine(QStringLiteral(
            "-- the server does not offer DSN: sending without delivery notification requests"));
    }
    m_expected = e.expects;
    m_dataRequested = e.expects.contains(Expect::Data);
    send(e.commands);
    startTimer(m_config.commandTimeoutMs);
}

void SmtpSession::sendNextEnvelope()
{
    // After quit() nothing new starts: the queued message is reported, never sent.
    if (!m_next || m_next->sent || m_next->refused || !m_socket || m_quitRequested)
        return;
    const Envelope e = envelopeFor(m_next->msg, m_next->prep, true);
    m_next->dsn = e.dsn;
    if (e.dsnNotOffered) {
        m_next->tx.notes << TransactionNote::DsnNotOffered;
        emit logLine(QStringLiteral(
            "-- the server does not offer DSN: sending without delivery notification requests"));
    }
    m_next->expectCount = int(e.expects.size());
    m_next->sent = true;
    m_expected += e.expects;
    send(e.commands);
}

void SmtpSession::promoteNext(NextTransaction &next, const QList<Expect> &expects)
{
    m_msg = std::move(next.msg);
    m_tx = std::move(next.tx);
    m_wire = std::move(next.prep.wire);
    m_wireOffset = 0;
    m_chunkLeft = 0;
    m_bdatRefusal.reset();
    m_msgSize = next.prep.size;
    m_msgEightBit = next.prep.eightBit;
    m_bdat = false;
    m_dsn = next.dsn;
    m_pipelined = true;
    m_mailReply = {};
    m_rcptIndex = 0;
    m_dataRequested = true;
    m_inTransaction = true;
    m_needsRset = true;
    m_expected = expects;
    setState(State::Transaction);
    startTimer(m_config.commandTimeoutMs);
}

QByteArray SmtpSession::rcptCommand(const QByteArray &address, const DsnRequest &dsn,
                                    bool withDsn) const
{
    QByteArray line = "RCPT TO:<" + address + '>';
    if (withDsn) {
        // RFC 3461 §4.1 NOTIFY (fixed order), §4.2 ORCPT: "rfc822;" + xtext, or for a
        // non-ASCII (SMTPUTF8) address RFC 6533's "utf-8;" type (see dsnOrcptValue()).
        const QString notify = dsnNotifyName(dsn.notify);
        if (!notify.isEmpty())
            line += " NOTIFY=" + notify.toUpper().toLatin1();
        line += " ORCPT=" + dsnOrcptValue(address);
    }
    return line + "\r\n";
}

void SmtpSession::startData()
{
    bool anyAccepted = false;
    for (const auto &r : m_tx.recipients)
        anyAccepted = anyAccepted || r.accepted;
    if (!anyAccepted) {
        SmtpResult res = SmtpResult::fromReply(m_tx.recipients.value(0).reply);
        for (const auto &r : m_tx.recipients) {
            if (r.reply.isTransient())
                res.errorClass = ErrorClass::Transient;
        }
        finishTransaction(res);
        return;
    }
    if (m_bdat) {
        setState(State::SendingData);
        m_expected.clear();
        m_wireOffset = 0;
        m_chunkLeft = 0;
        startTimer(m_config.dataBlockTimeoutMs);
        pumpData();
        return;
    }
    m_expected = {Expect::Data};
    m_dataRequested = true;
    send("DATA\r\n");
    startTimer(m_config.commandTimeoutMs);
}

void SmtpSession::pumpData()
{
    if (m_state != State::SendingData || !m_socket)
        return;
    if (m_bdat) {
        pumpBdat();
        return;
    }
    if (m_wireOffset == 0) {
        const QString entry = QStringLiteral("C: <message, %1 octets>").arg(m_wire.size() + 3);
        emit logLine(entry);
    }
    // The wire bytes, then the end marker (RFC 5321 §4.1.1.4); the wire ends with CRLF.
    const qsizetype total = m_wire.size() + 3;
    while (m_wireOffset < total && unwritten() < kWriteHighWater) {
        if (m_wireOffset < m_wire.size()) {
            const qsizetype n = std::min(kWriteChunk, m_wire.size() - m_wireOffset);
            m_socket->write(m_wire.constData() + m_wireOffset, n);
            m_wireOffset += n;
        } else {
            m_socket->write(".\r\n", 3);
            m_wireOffset = total;
        }
    }
    if (m_wireOffset >= total) {
        m_wire.clear();
        m_wireOffset = 0;
        m_tx.endMarkerSent = true;
        setState(State::AwaitingDataEnd);
        startTimer(m_config.dataEndTimeoutMs);
        sendNextEnvelope(); // RFC 2920 §3.1: joins the end marker's write
    }
}

qint64 SmtpSession::unwritten() const
{
    return m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite();
}

void SmtpSession::pumpBdat()
{
    // RFC 3030 §2: each chunk is "BDAT <octets>" (" LAST" on the final one) followed by exactly
    // that many octets, written straight from the message bytes. With PIPELINING the chunks
    // follow each other without waiting (§4.2); without it, each waits for its 250.
    const bool pipelinedChunks = m_caps.pipelining && m_config.allowPipelining;
    const qsizetype chunkSize = std::max<qsizetype>(1, m_config.chunkSize);
    while (unwritten() < kWriteHighWater) {
        if (m_chunkLeft == 0) {
            // §2: after a 4xx/5xx to a chunk no further chunk is sent.
            if (m_wireOffset >= m_wire.size() || m_bdatRefusal)
                break;
            if (!pipelinedChunks && m_expected.contains(Expect::BdatChunk))
                break; // lockstep: the previous chunk's reply first
            const qsizetype n = std::min(chunkSize, m_wire.size() - m_wireOffset);
            const bool last = m_wireOffset + n == m_wire.size();
            send("BDAT " + QByteArray::number(n) + (last ? " LAST" : "") + "\r\n");
            emit logLine(QStringLiteral("C: <%1 octets>").arg(n));
            m_expected << (last ? Expect::DataEnd : Expect::BdatChunk);
            m_chunkLeft = n;
        }
        const qsizetype n = std::min(kWriteChunk, m_chunkLeft);
        m_socket->write(m_wire.constData() + m_wireOffset, n);
        m_wireOffset += n;
        m_chunkLeft -= n;
    }
    if (m_chunkLeft > 0)
        return; // the announced chunk goes on when the socket has room
    if (m_bdatRefusal) {
        finishBdatRefusal();
        return;
    }
    if (m_wireOffset >= m_wire.size()) {
        m_wire.clear();
        m_wireOffset = 0;
        m_tx.endMarkerSent = true; // BDAT LAST and its octets are out: as after DATA's "."
        setState(State::AwaitingDataEnd);
        startTimer(m_config.dataEndTimeoutMs);
    }
}

void SmtpSession::handleBdatReply(Expect what, const SmtpReply &reply)
{
    const bool positive = reply.code >= 200 && reply.code < 300;
    if (reply.code == 421) {
        // The server is closing the session (RFC 5321 §3.8): nothing more will be answered.
        m_expected.clear();
        m_needsRset = false;
        finishTransaction(SmtpResult::fromReply(reply));
        closeGracefully();
        return;
    }
    if (!positive && !m_bdatRefusal)
        m_bdatRefusal = reply; // RFC 3030 §2: the transaction failed; the first reply says why
    if (m_bdatRefusal) {
        // Chunks already in the pipeline are answered too (§4.2); the transaction ends once
        // every reply is read and the announced chunk is written out.
        finishBdatRefusal();
        return;
    }
    if (what == Expect::BdatChunk) {
        if (m_state == State::SendingData) {
            startTimer(m_config.dataBlockTimeoutMs);
            pumpData(); // lockstep: the next chunk
        }
        return;
    }
    // The reply to BDAT LAST: the end of the transaction.
    m_needsRset = false;
    for (auto &r : m_tx.recipients) {
        if (r.accepted)
            r.reply = reply;
    }
    finishTransaction(SmtpResult::fromReply(reply));
}

void SmtpSession::finishBdatRefusal()
{
    if (!m_bdatRefusal || m_chunkLeft > 0 || !m_expected.isEmpty())
        return;
    for (auto &r : m_tx.recipients) {
        if (r.accepted) {
            r.accepted = false;
            r.reply = *m_bdatRefusal;
        }
    }
    // Whatever the server kept of the refused transaction is dropped before the next MAIL.
    m_needsRset = true;
    finishTransaction(SmtpResult::fromReply(*m_bdatRefusal));
}

void SmtpSession::onBytesWritten()
{
    if (m_state == State::SendingData) {
        startTimer(m_config.dataBlockTimeoutMs); // progress: RFC 5321 §4.5.3.2.5 is per block
        pumpData();
    }
}

void SmtpSession::finishTransaction(const SmtpResult &result)
{
    if (!m_inTransaction)
        return;
    m_inTransaction = false;
    m_wire.clear();
    m_timer.stop();
    m_tx.result = result;
    if (result.ok()) {
        // The one rule for a delivery: MAIL accepted, at least one RCPT accepted, and a 2xx to
        // the end marker or BDAT LAST after the whole message went out. Anything else that
        // looks like success is the server's (or an attacker's) error, never a sent message.
        const bool anyAccepted = std::any_of(m_tx.recipients.cbegin(), m_tx.recipients.cend(),
                                             [](const RecipientResult &r) { return r.accepted; });
        if (!(m_tx.endMarkerSent && m_mailReply.code >= 200 && m_mailReply.code < 300 &&
              anyAccepted)) {
            m_tx.result = SmtpResult::failure(
                ErrorClass::Protocol,
                QStringLiteral("a positive reply %1 without a completed transaction")
                    .arg(result.reply.code),
                result.reply);
            m_broken = true;
        }
    }
    if (m_tx.mailAnswered)
        ++m_transactions;
    // A refused MAIL opens no transaction; an accepted one stays open until the end-of-data
    // reply or RSET (m_needsRset is cleared there).
    if (m_tx.mailAnswered && !m_mailReply.isPositive())
        m_needsRset = false;
    const TransactionResult tx = m_tx;
    const QList<Expect> rest = m_expected; // the queued message's replies, when it went out
    m_expected.clear();
    const bool connectionUsable =
        !m_broken && m_socket && m_socket->state() == QAbstractSocket::ConnectedState &&
        (m_state == State::Transaction || m_state == State::Rset || m_state == State::SendingData ||
         m_state == State::AwaitingDataEnd || m_state == State::Ready);
    std::optional<NextTransaction> next = std::move(m_next);
    m_next.reset();
    // The queued message's envelope is already on the wire behind this end marker: it becomes
    // the running transaction before anyone hears of this one, so the pool sees a busy session.
    const bool promote = next && next->sent && connectionUsable && !rest.isEmpty() &&
                         int(rest.size()) == next->expectCount;
    // Queued but not sent (this transaction ended before its end marker): started after this
    // report, unless the session is going away.
    const bool startNext = next && !next->sent && connectionUsable && !m_quitRequested;
    if (promote) {
        promoteNext(*next, rest);
    } else if (connectionUsable) {
        setState(State::Ready);
    }
    m_holdIdle = startNext;
    emit transactionFinished(tx);
    m_holdIdle = false;
    if (next && !promote) {
        if (startNext && m_state == State::Ready && !m_quitRequested) {
            submit(next->msg);
            return;
        }
        // The session ends before the queued message's turn: it never got a MAIL reply, so
        // the pool may send it again on a fresh session.
        TransactionResult lost = next->tx;
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
    m_expected.clear();
    m_broken = true;
    if (m_inTransaction)
        finishTransaction(m_bdatRefusal ? SmtpResult::fromReply(*m_bdatRefusal) : result);
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
    m_expected.clear();
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
    m_expected.clear(); // nothing more is read: a queued message is reported, not started
    if (m_inTransaction)
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
    m_expected.clear();
    m_broken = true;
    if (m_inTransaction)
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
    m_expected.clear();
    if (m_inTransaction) {
        // Replies already read (e.g. a 550 to a pipelined MAIL before the close) explain the
        // failure better than the close itself.
        if (m_mailReply.code && !m_mailReply.isPositive())
            finishTransaction(SmtpResult::fromReply(m_mailReply));
        else if (m_bdatRefusal)
            finishTransaction(SmtpResult::fromReply(*m_bdatRefusal));
        else
            finishTransaction(lost);
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
    m_expected.clear();
    if (m_inTransaction) {
        if (m_mailReply.code && !m_mailReply.isPositive())
            finishTransaction(SmtpResult::fromReply(m_mailReply));
        else if (m_bdatRefusal)
            finishTransaction(SmtpResult::fromReply(*m_bdatRefusal));
        else
            finishTransaction(r);
    } else if (!m_opened) {
        emit openFailed(r);
    }
    m_opened = true; // do not report twice
    m_socket->abort();
    finishClose(CloseKind::Lost);
}

void SmtpSession::onSslErrors(const QList<QSslError> &errors)
{
    const QSslCertificate leaf = m_socket->peerCertificate();
    if (!m_config.pinSha256.isEmpty() && !leaf.isNull() &&
        leaf.digest(QCryptographicHash::Sha256) == m_config.pinSha256) {
        emit logLine(QStringLiteral("-- certificate accepted by its pinned SHA-256 fingerprint"));
        m_socket->ignoreSslErrors(errors);
        return;
    }
    QStringList why;
    for (const QSslError &e : errors)
        why << e.errorString();
    m_tlsFailure = SmtpResult::failure(ErrorClass::Certificate, why.join(QLatin1String("; ")));
    m_tlsFailure.certificateChainPem = chainPem(m_socket->peerCertificateChain());
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
