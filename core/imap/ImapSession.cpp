#include "ImapSession.h"

#include "ImapString.h"
#include "net/TlsPolicy.h"
#include "smtp/Sasl.h"
#include "smtp/WireEncoding.h"

#include <QSslCipher>
#include <QSslSocket>
#include <QVariant>

#include <algorithm>

namespace outpost {

Q_LOGGING_CATEGORY(lcImap, "outpost.imap", QtWarningMsg)

ImapSession::ImapSession(const ImapConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_parser(config.limits)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &ImapSession::onTimeout);
}

ImapSession::~ImapSession()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

bool ImapSession::isIdle() const
{
    return m_state == State::Ready && m_queue.empty() && m_running.empty() && !m_broken &&
           !m_logoutRequested;
}

bool ImapSession::isUsable() const
{
    return !m_broken && !m_logoutRequested && !m_openFailed && m_state != State::LoggingOut &&
           m_state != State::Closing && m_state != State::Closed;
}

void ImapSession::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

void ImapSession::armTimer(int ms)
{
    m_timer.start(std::max(1, ms));
}

// Something moved (a response read, octets written): the wait starts again. Idle with nothing
// awaited, no timer runs.
void ImapSession::progress()
{
    switch (m_state) {
    case State::Ready:
        if (m_running.empty())
            m_timer.stop();
        else
            armTimer(m_config.commandTimeoutMs);
        return;
    case State::Capability:
    case State::StartTls:
    case State::Authenticating:
        armTimer(m_config.commandTimeoutMs);
        return;
    default:
        return; // connecting, greeting, closing: their own deadlines
    }
}

QByteArray ImapSession::nextTag()
{
    return 'A' + QByteArray::number(++m_tagCounter);
}

void ImapSession::sendCommand(const QByteArray &bytes, const QByteArray &logForm)
{
    const QByteArray shown = logForm.isEmpty() ? bytes : logForm;
    for (const QByteArray &l : shown.split('\n')) {
        QByteArray t = l;
        if (t.endsWith('\r'))
            t.chop(1);
        if (!t.isEmpty()) {
            const QString entry = QStringLiteral("C: ") + printableWire(t);
            qCDebug(lcImap).noquote() << m_config.logTag << entry;
            emit logLine(entry);
        }
    }
    m_socket->write(bytes);
}

void ImapSession::writeOctets(const char *data, qsizetype size)
{
    m_socket->write(data, size);
}

qint64 ImapSession::unwritten() const
{
    return m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite();
}

void ImapSession::log(const QString &line)
{
    emit logLine(line);
}

void ImapSession::setSelectedMailbox(const QByteArray &name, quint32 uidValidity)
{
    m_selected = name;
    m_selectedUidValidity = uidValidity;
}

void ImapSession::sendOwn(Own what, const QByteArray &text, const QByteArray &logText)
{
    m_own = what;
    m_ownTag = nextTag();
    sendCommand(m_ownTag + ' ' + text + "\r\n",
                logText.isEmpty() ? QByteArray() : m_ownTag + ' ' + logText);
    armTimer(what == Own::Logout ? m_config.logoutTimeoutMs : m_config.commandTimeoutMs);
}

// --- opening ---------------------------------------------------------------------------------

void ImapSession::open()
{
    Q_ASSERT(m_state == State::Disconnected);
    m_socket = new QSslSocket(this);
    applyTlsPolicy(m_socket, m_config.tlsPolicy());
    connect(m_socket, &QSslSocket::connected, this, &ImapSession::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &ImapSession::onEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &ImapSession::onReadyRead);
    connect(m_socket, &QSslSocket::disconnected, this, &ImapSession::onDisconnected);
    connect(m_socket, &QSslSocket::errorOccurred, this, &ImapSession::onSocketError);
    connect(m_socket, &QSslSocket::sslErrors, this, &ImapSession::onSslErrors);
    connect(m_socket, &QSslSocket::bytesWritten, this, &ImapSession::onBytesWritten);
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, &ImapSession::onBytesWritten);

    const QString target = m_config.connectHost.isEmpty() ? m_config.host : m_config.connectHost;
    setState(State::Connecting);
    armTimer(m_config.connectTimeoutMs);
    emit logLine(QStringLiteral("-- connecting to %1:%2 (%3)")
                     .arg(m_config.host)
                     .arg(m_config.port)
                     .arg(securityName(m_config.security)));
    if (m_config.security == Security::Tls)
        m_socket->connectToHostEncrypted(target, m_config.port, m_config.host);
    else
        m_socket->connectToHost(target, m_config.port);
}

void ImapSession::onConnected()
{
    if (m_config.security == Security::Tls)
        return; // wait for encrypted()
    setState(State::Greeting);
    armTimer(m_config.greetingTimeoutMs);
}

void ImapSession::onEncrypted()
{
    const QString refusal = pinRefusal(m_socket, m_config.tlsPolicy());
    if (!refusal.isEmpty()) {
        ImapResult r = ImapResult::failure(ImapErrorClass::Certificate, refusal);
        r.certificateChainPem = peerChainPem(m_socket);
        r.certificateErrors = {refusal};
        emit logLine(QStringLiteral("-- certificate not trusted: %1").arg(refusal));
        failAndAbort(r);
        return;
    }
    m_tlsActive = true;
    const QSslCipher cipher = m_socket->sessionCipher();
    emit logLine(
        QStringLiteral("-- TLS established (%1, %2)").arg(cipher.protocolString(), cipher.name()));
    if (m_state == State::Connecting) { // implicit TLS
        setState(State::Greeting);
        armTimer(m_config.greetingTimeoutMs);
        return;
    }
    // STARTTLS: what was learned in plaintext is forgotten (RFC 9051 §6.2.1).
    m_caps = {};
    setState(State::Capability);
    sendOwn(Own::Capability, "CAPABILITY");
}

void ImapSession::handleGreeting(const ImapResponse &r)
{
    if (r.isUntagged() && r.status == ImapStatus::Ok) {
        if (r.code == "CAPABILITY")
            m_caps = ImapCapabilities::fromList(r.codeArguments());
    } else if (r.isUntagged() && r.status == ImapStatus::Preauth) {
        // RFC 9051 §11.1 / RFC 2595 §3.1: PREAUTH on a connection that must become TLS leaves
        // no chance to start TLS; the client must not go on in plaintext.
        if (m_config.security == Security::StartTls && !m_tlsActive) {
            failOpen(ImapResult::failure(ImapErrorClass::Tls,
                                         QStringLiteral("PREAUTH greeting before STARTTLS"), &r),
                     false);
            return;
        }
        m_preauth = true;
        if (r.code == "CAPABILITY")
            m_caps = ImapCapabilities::fromList(r.codeArguments());
    } else if (r.isUntagged() && r.status == ImapStatus::Bye) {
        failOpen(ImapResult::failure(ImapErrorClass::Unavailable,
                                     QStringLiteral("the server refused the session"), &r),
                 false);
        return;
    } else {
        failProtocol(ImapResult::failure(ImapErrorClass::Protocol,
                                         QStringLiteral("unexpected greeting"), &r));
        return;
    }
    if (m_caps.isEmpty()) {
        setState(State::Capability);
        sendOwn(Own::Capability, "CAPABILITY");
        return;
    }
    afterCapabilities();
}

void ImapSession::afterCapabilities()
{
    if (m_config.security == Security::StartTls && !m_tlsActive) {
        if (!m_caps.startTls()) {
            // No downgrade: a starttls account never goes on in plaintext.
            failOpen(ImapResult::failure(ImapErrorClass::Tls,
                                         QStringLiteral("the server does not offer STARTTLS")),
                     true);
            return;
        }
        setState(State::StartTls);
        sendOwn(Own::StartTls, "STARTTLS");
        return;
    }
    if (m_preauth || m_authenticated) {
        becomeReady();
        return;
    }
    startAuth();
}

void ImapSession::startAuth()
{
    if (m_config.credentials.user.isEmpty() && m_config.credentials.oauthToken.isEmpty()) {
        failOpen(ImapResult::failure(ImapErrorClass::Auth,
                                     QStringLiteral("no user name for the IMAP server")),
                 true);
        return;
    }
    if (!m_tlsActive) {
        const QString target =
            m_config.connectHost.isEmpty() ? m_config.host : m_config.connectHost;
        if (!(m_config.allowPlainAuth && isLoopbackHost(target) && isLoopbackHost(m_config.host))) {
            failOpen(
                ImapResult::failure(ImapErrorClass::Local,
                                    QStringLiteral("refusing to send credentials without TLS")),
                true);
            return;
        }
    }
    setState(State::Authenticating);
    const bool loginCommand =
        m_config.auth.compare(QLatin1String("imap-login"), Qt::CaseInsensitive) == 0;
    const QString mech = loginCommand ? QString()
                                      : chooseSaslMechanism(m_caps.authMechanisms(), m_config.auth,
                                                            m_config.credentials);
    if (mech.isEmpty()) {
        const bool automatic =
            loginCommand || m_config.auth.isEmpty() ||
            m_config.auth.compare(QLatin1String("auto"), Qt::CaseInsensitive) == 0;
        if (automatic && !m_caps.loginDisabled() && !m_config.credentials.user.isEmpty() &&
            !m_config.credentials.password.isEmpty()) {
            sendLogin();
            return;
        }
        failOpen(
            ImapResult::failure(
                ImapErrorClass::Auth,
                QStringLiteral("no usable authentication mechanism (server offers: %1%2)")
                    .arg(m_caps.authMechanisms().join(QLatin1Char(' ')),
                         m_caps.loginDisabled() ? QStringLiteral("; LOGINDISABLED") : QString())),
            true);
        return;
    }
    m_sasl = createSaslMechanism(mech, m_config.credentials);
    if (!m_sasl) {
        failOpen(ImapResult::failure(ImapErrorClass::Auth,
                                     QStringLiteral("unsupported mechanism %1").arg(mech)),
                 true);
        return;
    }
    const std::optional<QByteArray> initial = m_sasl->initialResponse();
    QByteArray text = "AUTHENTICATE " + m_sasl->name();
    QByteArray shown = text;
    if (initial && m_caps.saslIr()) {
        // RFC 4959 §3: an empty initial response is sent as "=".
        text += ' ' + (initial->isEmpty() ? QByteArray("=") : initial->toBase64());
        shown += " <redacted>";
    } else {
        m_pendingInitial = initial;
    }
    sendOwn(Own::Authenticate, text, shown);
}

void ImapSession::sendLogin()
{
    // LOGIN userid password (RFC 9051 §6.2.3): quoted strings where they can be, else
    // literals (8-bit passwords), non-synchronizing with LITERAL+, else each after a "+".
    const bool nonSync = m_config.allowLiteralPlus && m_caps.literalPlus();
    const QByteArray user = m_config.credentials.user.toUtf8();
    const QByteArray password = m_config.credentials.password.toUtf8();
    QList<QByteArray> parts{"LOGIN "};
    QByteArray shown = "LOGIN ";
    auto add = [&](const QByteArray &value, bool secret) {
        if (imapCanQuote(value)) {
            parts.last() += imapQuoted(value);
        } else {
            const QByteArray marker =
                '{' + QByteArray::number(value.size()) + (nonSync ? "+}" : "}");
            if (nonSync) {
                parts.last() += marker + "\r\n" + value;
            } else {
                parts.last() += marker;
                parts << value;
            }
        }
        shown += secret ? QByteArray("<redacted>")
                        : (imapCanQuote(value) ? imapQuoted(value) : QByteArray("<literal>"));
    };
    add(user, false);
    parts.last() += ' ';
    shown += ' ';
    add(password, true);
    m_syncParts = parts.mid(1);
    m_own = Own::Login;
    m_ownTag = nextTag();
    emit logLine(QStringLiteral("C: ") + printableWire(m_ownTag + ' ' + shown));
    m_socket->write(m_ownTag + ' ' + parts.first() + "\r\n");
    armTimer(m_config.commandTimeoutMs);
}

void ImapSession::handleAuthContinuation(const ImapResponse &r)
{
    if (m_own == Own::Login) {
        if (m_syncParts.isEmpty()) {
            failProtocol(ImapResult::failure(
                ImapErrorClass::Protocol, QStringLiteral("unexpected continuation request"), &r));
            return;
        }
        const QByteArray part = m_syncParts.takeFirst();
        m_socket->write(part + "\r\n");
        return;
    }
    // AUTHENTICATE (RFC 9051 §6.2.2): "+ base64-challenge", answered by a base64 line.
    if (m_pendingInitial) {
        const QByteArray initial = *m_pendingInitial;
        m_pendingInitial.reset();
        emit logLine(QStringLiteral("C: <redacted>"));
        m_socket->write(initial.toBase64() + "\r\n");
        return;
    }
    const auto challenge = QByteArray::fromBase64Encoding(r.text);
    std::optional<QByteArray> response;
    if (challenge && m_sasl)
        response = m_sasl->respond(challenge.decoded);
    if (!response) {
        emit logLine(QStringLiteral("C: *"));
        m_socket->write("*\r\n"); // cancels the exchange: the server answers BAD
        return;
    }
    emit logLine(QStringLiteral("C: <redacted>"));
    m_socket->write(response->toBase64() + "\r\n");
}

void ImapSession::handleOwnTagged(const ImapResponse &r)
{
    const Own what = m_own;
    m_own = Own::None;
    m_ownTag.clear();
    switch (what) {
    case Own::None:
        return;
    case Own::Capability:
        if (r.status != ImapStatus::Ok) {
            failOpen(ImapResult::fromTagged(r), true);
            return;
        }
        if (m_authenticated) {
            becomeReady();
            return;
        }
        afterCapabilities();
        return;
    case Own::StartTls:
        if (r.status != ImapStatus::Ok) {
            ImapResult res = ImapResult::fromTagged(r);
            res.errorClass = ImapErrorClass::Tls;
            res.detail = QStringLiteral("the server refused STARTTLS");
            failOpen(res, true);
            return;
        }
        // Anything received after the OK was sent in plaintext by whoever is on the path; it
        // must never be taken as a response inside TLS (RFC 2595 §3.1, CVE-2011-0411).
        if (m_parser.hasBufferedData() || m_socket->bytesAvailable() > 0) {
            emit logLine(QStringLiteral(
                "-- data after the STARTTLS OK before the handshake: possible injection"));
            failAndAbort(
                ImapResult::failure(ImapErrorClass::Protocol,
                                    QStringLiteral("plaintext data injected after STARTTLS"), &r));
            return;
        }
        m_parser.reset();
        setState(State::TlsHandshake);
        armTimer(m_config.connectTimeoutMs);
        m_socket->startClientEncryption();
        return;
    case Own::Authenticate:
    case Own::Login:
        m_syncParts.clear();
        m_pendingInitial.reset();
        if (r.status == ImapStatus::Ok) {
            if (m_sasl && m_sasl->name().startsWith("SCRAM") && !m_sasl->isComplete()) {
                // RFC 5802 §3: without the server's proof the server was not authenticated.
                failOpen(ImapResult::failure(
                             ImapErrorClass::Auth,
                             QStringLiteral("the server did not prove it knows the password"), &r),
                         true);
                return;
            }
            m_sasl.reset();
            m_authenticated = true; // what follows only refreshes the capabilities
            // Capabilities may change with login (RFC 9051 §6.2.2): the OK's code, else ask.
            if (r.code == "CAPABILITY") {
                m_caps = ImapCapabilities::fromList(r.codeArguments());
                becomeReady();
            } else {
                setState(State::Capability);
                sendOwn(Own::Capability, "CAPABILITY");
            }
            return;
        } else {
            ImapResult res = ImapResult::fromTagged(r);
            if (res.errorClass != ImapErrorClass::Unavailable)
                res.errorClass = ImapErrorClass::Auth;
            res.detail = QStringLiteral("authentication refused");
            failOpen(res, true);
        }
        return;
    case Own::Logout:
        closeGracefully();
        return;
    }
}

void ImapSession::becomeReady()
{
    m_sasl.reset();
    m_timer.stop();
    const bool first = m_state != State::Ready;
    setState(State::Ready);
    if (!first)
        return;
    emit logLine(QStringLiteral("-- logged in; capabilities: %1")
                     .arg(QString::fromLatin1(m_caps.describe())));
    m_opened = true;
    emit ready();
    if (m_state != State::Ready)
        return;
    pump();
    if (m_logoutRequested && m_running.empty() && m_queue.empty() && m_state == State::Ready)
        sendLogout();
}

// --- commands --------------------------------------------------------------------------------

ImapCommand::Channel &ImapSession::channel()
{
    return *this;
}

void ImapSession::list(qint64 id)
{
    enqueue(std::make_unique<ImapListCommand>(id, channel()));
}

void ImapSession::append(const ImapAppendRequest &request)
{
    enqueue(std::make_unique<ImapAppendCommand>(request, channel()));
}

void ImapSession::search(const ImapSearchRequest &request)
{
    enqueue(std::make_unique<ImapSearchCommand>(request, channel()));
}

void ImapSession::noop(qint64 id)
{
    enqueue(std::make_unique<ImapNoopCommand>(id, channel()));
}

void ImapSession::enqueue(std::unique_ptr<ImapCommand> command)
{
    command->outcome().server = m_config.server();
    const ImapResult refusal = command->localRefusal();
    if (!refusal.ok()) {
        report(std::move(command), refusal);
        return;
    }
    if (m_logoutRequested || m_broken || m_state == State::Closing || m_state == State::Closed ||
        m_openFailed) {
        command->outcome().notAttempted = true;
        report(std::move(command),
               m_openFailed ? m_openFailure
                            : ImapResult::failure(ImapErrorClass::Network,
                                                  QStringLiteral("the session is closing")));
        return;
    }
    m_queue.push_back(std::move(command));
    if (m_state == State::Ready)
        pump();
}

void ImapSession::pump()
{
    while (m_state == State::Ready && !m_broken && !m_queue.empty()) {
        ImapCommand *next = m_queue.front().get();
        if (!m_running.empty()) {
            // Without LITERAL+ (or with a command that owns the untagged data) one at a time.
            const bool pipelining = m_config.allowLiteralPlus && m_caps.literalPlus();
            if (!pipelining || next->exclusive() || m_running.front()->exclusive() ||
                int(m_running.size()) >= std::max(1, m_config.maxPipelined) ||
                !m_running.back()->writeDone())
                return;
        }
        std::unique_ptr<ImapCommand> c = std::move(m_queue.front());
        m_queue.pop_front();
        c->outcome().sessionReused = m_completed > 0;
        m_running.push_back(std::move(c));
        armTimer(m_config.commandTimeoutMs);
        apply(next, next->start());
    }
}

void ImapSession::apply(ImapCommand *command, const ImapCommand::Step &step)
{
    switch (step.kind) {
    case ImapCommand::Step::Kind::Continue:
        return;
    case ImapCommand::Step::Kind::Finished:
        finishCommand(command, step.result);
        return;
    case ImapCommand::Step::Kind::ProtocolError:
        failProtocol(step.result);
        return;
    }
}

void ImapSession::finishCommand(ImapCommand *command, const ImapResult &result)
{
    auto it = std::find_if(m_running.begin(), m_running.end(),
                           [command](const auto &c) { return c.get() == command; });
    if (it == m_running.end())
        return;
    std::unique_ptr<ImapCommand> done = std::move(*it);
    m_running.erase(it);
    ++m_completed;
    progress();
    report(std::move(done), result);
    if (m_state != State::Ready)
        return;
    pump();
    if (m_logoutRequested && m_running.empty() && m_state == State::Ready)
        sendLogout();
}

void ImapSession::report(std::unique_ptr<ImapCommand> command, const ImapResult &result)
{
    command->outcome().result = result;
    switch (command->kind()) {
    case ImapCommand::Kind::List:
        emit listFinished(static_cast<ImapListCommand *>(command.get())->result());
        return;
    case ImapCommand::Kind::Append:
        emit appendFinished(static_cast<ImapAppendCommand *>(command.get())->result());
        return;
    case ImapCommand::Kind::Search:
        emit searchFinished(static_cast<ImapSearchCommand *>(command.get())->result());
        return;
    case ImapCommand::Kind::Noop:
        emit noopFinished(command->id(), result);
        return;
    }
}

void ImapSession::endAllCommands(const ImapResult &cause)
{
    std::list<std::unique_ptr<ImapCommand>> running = std::move(m_running);
    m_running.clear();
    std::deque<std::unique_ptr<ImapCommand>> queued = std::move(m_queue);
    m_queue.clear();
    for (auto &c : running) {
        const ImapResult r = c->resultWhenLost(cause);
        report(std::move(c), r);
    }
    for (auto &c : queued) {
        c->outcome().notAttempted = true;
        report(std::move(c), cause);
    }
}

// --- reading ---------------------------------------------------------------------------------

void ImapSession::onReadyRead()
{
    if (!m_socket)
        return;
    const QByteArray bytes = m_socket->readAll();
    if (m_state == State::Closing || m_state == State::Closed)
        return; // draining after our close: the bytes are read so the close stays a FIN
    m_parser.feed(bytes);
    for (;;) {
        ImapResponse r;
        const auto status = m_parser.next(&r);
        if (status == ImapResponseParser::Status::NeedMore)
            return;
        if (status == ImapResponseParser::Status::Error) {
            emit logLine(QStringLiteral("S: <malformed: %1> %2")
                             .arg(m_parser.errorString(),
                                  printableWire(m_parser.offendingBytes().left(120))));
            failAndAbort(ImapResult::failure(ImapErrorClass::Protocol, m_parser.errorString()));
            return;
        }
        QByteArray shown = r.toLogLine();
        if (r.isContinuation() && m_own == Own::Authenticate && !r.text.isEmpty())
            shown = "+ <challenge>"; // SASL challenges can carry server secrets (SCRAM salts)
        if (shown.size() > 300)
            shown = shown.left(300) + "...";
        emit logLine(QStringLiteral("S: ") + printableWire(shown));
        handleResponse(r);
        if (!m_socket || m_state == State::Closed || m_state == State::Closing ||
            m_state == State::TlsHandshake)
            return;
    }
}

void ImapSession::handleResponse(const ImapResponse &r)
{
    progress();
    if (m_state == State::Greeting) {
        handleGreeting(r);
        return;
    }
    if (r.isUntagged()) {
        if (r.status == ImapStatus::Bye) {
            handleBye(r);
            return;
        }
        if (r.name == "CAPABILITY") {
            QList<QByteArray> atoms;
            for (const ImapValue &v : r.values)
                atoms << v.bytes;
            m_caps = ImapCapabilities::fromList(atoms);
            return;
        }
        if (r.status != ImapStatus::None) {
            if (r.code == "ALERT")
                emit logLine(QStringLiteral("-- server alert: %1").arg(QString::fromUtf8(r.text)));
            if (!m_running.empty())
                m_running.front()->handleUntagged(r); // [UIDVALIDITY] for EXAMINE
            return;
        }
        for (const auto &c : m_running)
            c->handleUntagged(r);
        return;
    }
    if (r.isContinuation()) {
        if (m_own == Own::Authenticate || m_own == Own::Login) {
            handleAuthContinuation(r);
            return;
        }
        for (const auto &c : m_running) {
            if (c->awaitsContinuation()) {
                ImapCommand *cmd = c.get();
                apply(cmd, cmd->handleContinuation(r));
                return;
            }
        }
        failProtocol(ImapResult::failure(ImapErrorClass::Protocol,
                                         QStringLiteral("unexpected continuation request"), &r));
        return;
    }
    if (!m_ownTag.isEmpty() && r.tag == m_ownTag) {
        handleOwnTagged(r);
        return;
    }
    for (const auto &c : m_running) {
        if (c->ownsTag(r.tag)) {
            ImapCommand *cmd = c.get();
            apply(cmd, cmd->handleTagged(r));
            return;
        }
    }
    failProtocol(ImapResult::failure(
        ImapErrorClass::Protocol,
        QStringLiteral("response with an unknown tag %1").arg(QString::fromLatin1(r.tag)), &r));
}

void ImapSession::handleBye(const ImapResponse &r)
{
    if (m_own == Own::Logout)
        return; // the expected BYE before LOGOUT's OK (RFC 9051 §6.1.3)
    // The server is closing the connection (RFC 9051 §7.1.5): an idle timeout, a shutdown,
    // or a refusal. Whatever runs ends with its text; the close is awaited, not forced.
    emit logLine(QStringLiteral("-- the server said BYE"));
    const ImapResult cause = ImapResult::failure(
        ImapErrorClass::Unavailable, QStringLiteral("the server closed the session (BYE)"), &r);
    m_broken = true;
    m_serverSaidBye = true;
    if (!m_opened) {
        failOpen(cause, false);
        return;
    }
    endAllCommands(cause);
    closeGracefully();
}

// --- ending ----------------------------------------------------------------------------------

void ImapSession::sendLogout()
{
    setState(State::LoggingOut);
    sendOwn(Own::Logout, "LOGOUT");
}

void ImapSession::logout()
{
    m_logoutRequested = true;
    // Commands not written yet never start.
    std::deque<std::unique_ptr<ImapCommand>> queued = std::move(m_queue);
    m_queue.clear();
    for (auto &c : queued) {
        c->outcome().notAttempted = true;
        report(std::move(c), ImapResult::failure(
                                 ImapErrorClass::Network,
                                 QStringLiteral("the session closed before this command's turn")));
    }
    switch (m_state) {
    case State::Ready:
        if (m_running.empty())
            sendLogout();
        return; // else finishCommand() logs out after the last one
    case State::Disconnected:
    case State::Closed:
        finishClose(CloseKind::Graceful);
        return;
    case State::LoggingOut:
    case State::Closing:
        return;
    default:
        // Opening: LOGOUT once it is done (becomeReady() checks); the caller's deadline
        // bounds this.
        return;
    }
}

void ImapSession::failOpen(const ImapResult &result, bool logout)
{
    m_timer.stop();
    m_own = Own::None;
    m_ownTag.clear();
    m_openFailed = true;
    m_openFailure = result;
    m_broken = true;
    emit openFailed(result);
    std::deque<std::unique_ptr<ImapCommand>> queued = std::move(m_queue);
    m_queue.clear();
    for (auto &c : queued) {
        c->outcome().notAttempted = true;
        report(std::move(c), result);
    }
    if (logout && m_socket && m_socket->state() == QAbstractSocket::ConnectedState &&
        m_state != State::TlsHandshake) {
        sendLogout();
    } else {
        closeGracefully();
    }
}

void ImapSession::failProtocol(const ImapResult &result)
{
    emit logLine(QStringLiteral("-- %1: protocol error, closing the session").arg(result.detail));
    m_timer.stop();
    m_broken = true;
    m_own = Own::None;
    m_ownTag.clear();
    if (!m_opened) {
        failOpen(result, false);
        return;
    }
    endAllCommands(result);
    // No LOGOUT: the server's state is unknown. close_notify and FIN, then wait for its close.
    closeGracefully();
}

void ImapSession::failAndAbort(const ImapResult &result)
{
    m_timer.stop();
    m_broken = true;
    m_own = Own::None;
    m_ownTag.clear();
    if (!m_opened && !m_openFailed) {
        m_openFailed = true;
        m_openFailure = result;
        emit openFailed(result);
    }
    endAllCommands(result);
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    finishClose(CloseKind::Aborted);
}

void ImapSession::closeGracefully()
{
    if (!m_socket || m_state == State::Closed) {
        finishClose(CloseKind::Graceful);
        return;
    }
    if (m_state == State::Closing)
        return;
    setState(State::Closing);
    m_own = Own::None;
    m_ownTag.clear();
    // Close our side (close_notify under TLS, then FIN) and keep reading until the server
    // closes its side too, so no unread data turns the close into a reset.
    armTimer(m_config.logoutTimeoutMs);
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        finishClose(CloseKind::Graceful);
        return;
    }
    m_socket->disconnectFromHost();
}

void ImapSession::abort()
{
    m_timer.stop();
    m_broken = true;
    if (!m_opened && !m_openFailed && m_state != State::Disconnected) {
        m_openFailed = true;
        m_openFailure =
            ImapResult::failure(ImapErrorClass::Network, QStringLiteral("session aborted"));
        emit openFailed(m_openFailure);
    }
    endAllCommands(ImapResult::failure(ImapErrorClass::Network, QStringLiteral("session aborted")));
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    finishClose(CloseKind::Aborted);
}

void ImapSession::closeNow()
{
    if (!m_socket || m_state == State::Closed || m_state == State::Disconnected) {
        finishClose(CloseKind::Graceful);
        return;
    }
    if (m_state == State::Closing)
        return; // our close_notify and FIN are out already
    m_timer.stop();
    m_broken = true;
    const ImapResult why = ImapResult::failure(
        ImapErrorClass::Network,
        QStringLiteral("the session was closed at exit before the server answered"));
    if (!m_opened && !m_openFailed) {
        m_openFailed = true;
        m_openFailure = why;
        emit openFailed(why);
    }
    endAllCommands(why);
    if (!m_socket)
        return;
    if (m_socket->bytesToWrite() > 0 || m_socket->encryptedBytesToWrite() > 0) {
        // The server stopped reading: a close would wait behind octets it never takes.
        emit logLine(QStringLiteral("-- the server stopped reading; aborting the connection"));
        m_socket->disconnect(this);
        m_socket->abort();
        finishClose(CloseKind::Aborted);
        return;
    }
    emit logLine(QStringLiteral("-- no reply before the exit deadline; closing"));
    closeGracefully();
}

void ImapSession::sessionLost(const ImapResult &cause)
{
    m_broken = true;
    m_own = Own::None;
    m_ownTag.clear();
    if (!m_opened && !m_openFailed) {
        m_openFailed = true;
        m_openFailure = cause;
        emit openFailed(cause);
    }
    endAllCommands(cause);
    finishClose(CloseKind::Lost);
}

void ImapSession::onDisconnected()
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::Closing || m_state == State::LoggingOut) {
        finishClose(CloseKind::Graceful);
        return;
    }
    sessionLost(ImapResult::failure(ImapErrorClass::Network,
                                    QStringLiteral("the server closed the connection")));
}

void ImapSession::onSocketError()
{
    if (!m_socket)
        return;
    const auto err = m_socket->error();
    // Under TLS, RemoteHostClosedError with the connection still up is the server's
    // close_notify (RFC 8446 §6.1): the session is over now, whether or not a FIN follows.
    const bool closeNotify = m_tlsActive && err == QAbstractSocket::RemoteHostClosedError &&
                             m_socket->state() != QAbstractSocket::UnconnectedState;
    if (m_state == State::Closing || m_state == State::LoggingOut) {
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
        sessionLost(ImapResult::failure(ImapErrorClass::Network,
                                        QStringLiteral("the server closed the connection")));
        if (m_socket)
            m_socket->disconnectFromHost();
        return;
    }
    if (err == QAbstractSocket::RemoteHostClosedError &&
        m_socket->state() != QAbstractSocket::UnconnectedState)
        return; // disconnected() follows
    ImapErrorClass cls = ImapErrorClass::Network;
    if (err == QAbstractSocket::SslHandshakeFailedError ||
        err == QAbstractSocket::SslInternalError || err == QAbstractSocket::SslInvalidUserDataError)
        cls = ImapErrorClass::Tls;
    ImapResult r = ImapResult::failure(cls, m_socket->errorString());
    if (m_tlsFailure.errorClass == ImapErrorClass::Certificate)
        r = m_tlsFailure;
    m_timer.stop();
    m_socket->disconnect(this);
    m_socket->abort();
    sessionLost(r);
}

void ImapSession::onSslErrors(const QList<QSslError> &errors)
{
    if (pinAcceptsPeer(m_socket, m_config.tlsPolicy())) {
        emit logLine(QStringLiteral("-- certificate accepted by its pinned SHA-256 fingerprint"));
        m_socket->ignoreSslErrors(errors);
        return;
    }
    const QStringList why = sslErrorStrings(errors);
    m_tlsFailure = ImapResult::failure(ImapErrorClass::Certificate, why.join(QLatin1String("; ")));
    m_tlsFailure.certificateChainPem = peerChainPem(m_socket);
    m_tlsFailure.certificateErrors = why;
    emit logLine(
        QStringLiteral("-- certificate not trusted: %1").arg(why.join(QLatin1String("; "))));
    // Not ignored: Qt aborts the handshake and onSocketError() reports m_tlsFailure.
}

void ImapSession::onTimeout()
{
    switch (m_state) {
    case State::Closing:
        emit logLine(QStringLiteral("-- the server did not close in time; aborting"));
        if (m_socket) {
            m_socket->disconnect(this);
            m_socket->abort();
        }
        finishClose(CloseKind::Aborted);
        return;
    case State::LoggingOut:
        emit logLine(QStringLiteral("-- no reply to LOGOUT; closing"));
        closeGracefully();
        return;
    default:
        break;
    }
    const QString what = QVariant::fromValue(m_state).toString();
    emit logLine(QStringLiteral("-- timeout in state %1").arg(what));
    failAndAbort(ImapResult::failure(ImapErrorClass::Timeout,
                                     QStringLiteral("no reply in time (%1)").arg(what)));
}

void ImapSession::onBytesWritten()
{
    if (m_state != State::Ready)
        return;
    progress();
    for (const auto &c : m_running) {
        if (!c->writeDone()) {
            ImapCommand *cmd = c.get();
            apply(cmd, cmd->writeMore());
            break;
        }
    }
    if (m_state == State::Ready)
        pump();
}

void ImapSession::finishClose(CloseKind kind)
{
    m_timer.stop();
    if (m_closedEmitted)
        return;
    m_closedEmitted = true;
    if (kind == CloseKind::Graceful && m_serverSaidBye)
        kind = CloseKind::Lost; // the server ended it, not our LOGOUT
    setState(State::Closed);
    emit logLine(
        QStringLiteral("-- connection closed (%1)").arg(QVariant::fromValue(kind).toString()));
    emit closed(kind);
}

} // namespace outpost
