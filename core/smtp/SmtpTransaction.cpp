#include "SmtpTransaction.h"

#include "WireEncoding.h"

#include <algorithm>
#include <utility>

namespace outpost {

namespace {

constexpr qsizetype kWriteHighWater = 256 * 1024; // keep at most this much in the socket buffer

} // namespace

QString transactionNoteName(TransactionNote note)
{
    switch (note) {
    case TransactionNote::DsnNotOffered:
        return QStringLiteral("dsn-not-offered");
    }
    return {};
}

SmtpTransaction::SmtpTransaction(const OutgoingMessage &message, bool sessionReused,
                                 const Capabilities &caps, const SessionConfig &config,
                                 Channel &channel)
    : m_channel(channel)
    , m_caps(caps)
    , m_config(config)
    , m_msg(message)
{
    m_result.messageId = message.id;
    m_result.sessionReused = sessionReused;
    m_result.server = QStringLiteral("%1:%2").arg(config.host).arg(config.port);
    m_refusal = prepare();
}

std::optional<SmtpResult> SmtpTransaction::prepare()
{
    const OutgoingMessage &message = m_msg;
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
    if (!message.source) {
        return SmtpResult::failure(ErrorClass::Storage,
                                   QStringLiteral("the message's octets are not available"));
    }
    if (message.needsSmtpUtf8 && !m_caps.smtpUtf8) {
        // Without SMTPUTF8 a non-ASCII address cannot be given in the envelope (RFC 6531
        // §3.2). The recipients with an ASCII address can still be reached: the others are
        // left out and reported refused (recipientNeedsSmtpUtf8()) once the message went to
        // the rest. A non-ASCII reverse-path, or no ASCII recipient at all, fails the message.
        const auto ascii = [](const QByteArray &a) {
            return std::none_of(a.cbegin(), a.cend(),
                                [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        };
        QList<QByteArray> reachable;
        for (const QByteArray &r : std::as_const(m_msg.recipients))
            (ascii(r) ? reachable : m_needUtf8) << r;
        if (!ascii(message.reversePath) || reachable.isEmpty() || m_needUtf8.isEmpty()) {
            m_needUtf8.clear();
            return SmtpResult::failure(ErrorClass::Local,
                                       QStringLiteral("the message needs SMTPUTF8 (a non-ASCII "
                                                      "address), which the server does not offer"));
        }
        m_msg.recipients = reachable;
        m_channel.log(QStringLiteral("-- the server does not offer SMTPUTF8: not sending to %1")
                          .arg(QString::fromUtf8(m_needUtf8.join(", "))));
    }
    m_bdat = m_caps.chunking && m_config.allowChunking;
    // Decided from the shape scanned before (the octets are read only while they go out).
    const WireForm form = m_bdat ? WireForm::Bdat : WireForm::Data;
    m_encoder = WireEncoder(form);
    const qsizetype longest = message.shape.longestLine;
    const bool eightBit = message.shape.eightBit;
    if (longest > kMaxSmtpLineOctets) {
        return SmtpResult::failure(
            ErrorClass::Local,
            QStringLiteral("a line of the message is %1 octets long; SMTP allows 998")
                .arg(longest));
    }
    if (eightBit && !m_caps.eightBitMime && !(message.needsSmtpUtf8 && m_caps.smtpUtf8)) {
        return SmtpResult::failure(
            ErrorClass::Local,
            QStringLiteral("the message holds 8-bit data and the server does not offer 8BITMIME"));
    }
    m_eightBit = eightBit;
    m_wireTotal = message.shape.wireOctets(form);
    m_size = m_wireTotal;
    if (m_caps.sizeLimit > 0 && m_size > m_caps.sizeLimit) {
        return SmtpResult::failure(ErrorClass::Local,
                                   QStringLiteral("the message is %1 bytes; the server accepts "
                                                  "at most %2")
                                       .arg(m_size)
                                       .arg(m_caps.sizeLimit));
    }
    return std::nullopt;
}

void SmtpTransaction::setPhase(Phase phase)
{
    if (m_phase == phase)
        return;
    m_phase = phase;
    m_channel.phaseChanged(*this);
}

void SmtpTransaction::start(bool rsetFirst)
{
    Q_ASSERT(!m_refusal && m_phase == Phase::Waiting);
    m_serverOpen = rsetFirst;
    if (rsetFirst) {
        // The previous transaction was left open (refused RCPT, failed DATA): RFC 5321 §4.1.1.5.
        setPhase(Phase::Rset);
        m_expected = {Reply::Rset};
        m_channel.sendCommand("RSET\r\n", {});
        m_channel.armTimer(m_config.commandTimeoutMs);
        return;
    }
    sendEnvelope();
}

SmtpTransaction::Envelope SmtpTransaction::envelope(bool pipelined) const
{
    const OutgoingMessage &message = m_msg;
    Envelope e;
    QByteArray mail = "MAIL FROM:<" + message.reversePath + '>';
    if (m_caps.esmtp) {
        if (m_caps.sizeAdvertised)
            mail += " SIZE=" + QByteArray::number(m_size);
        if (m_eightBit && m_caps.eightBitMime)
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
    e.expects = {Reply::Mail};
    if (pipelined) {
        // RFC 2920 §3.1: MAIL, every RCPT and DATA in one write; replies come in order.
        for (const QByteArray &r : std::as_const(message.recipients)) {
            e.commands += rcptCommand(r, e.dsn);
            e.expects << Reply::Rcpt;
        }
        if (!m_bdat) {
            e.commands += "DATA\r\n";
            e.expects << Reply::Data;
        }
    }
    return e;
}

QByteArray SmtpTransaction::rcptCommand(const QByteArray &address, bool withDsn) const
{
    QByteArray line = "RCPT TO:<" + address + '>';
    if (withDsn) {
        // RFC 3461 §4.1 NOTIFY (fixed order), §4.2 ORCPT: "rfc822;" + xtext, or for a
        // non-ASCII (SMTPUTF8) address RFC 6533's "utf-8;" type (see dsnOrcptValue()).
        const QString notify = dsnNotifyName(m_msg.dsn.notify);
        if (!notify.isEmpty())
            line += " NOTIFY=" + notify.toUpper().toLatin1();
        line += " ORCPT=" + dsnOrcptValue(address);
    }
    return line + "\r\n";
}

void SmtpTransaction::noteDsn(const Envelope &envelope)
{
    m_dsn = envelope.dsn;
    if (envelope.dsnNotOffered && !m_result.notes.contains(TransactionNote::DsnNotOffered)) {
        m_result.notes << TransactionNote::DsnNotOffered;
        m_channel.log(QStringLiteral(
            "-- the server does not offer DSN: sending without delivery notification requests"));
    }
}

void SmtpTransaction::sendEnvelope()
{
    setPhase(Phase::Envelope);
    m_serverOpen = true; // until the transaction ends cleanly
    m_pipelined = m_caps.pipelining && m_config.allowPipelining;
    const Envelope e = envelope(m_pipelined);
    noteDsn(e);
    m_expected = e.expects;
    m_envelopeSent = true;
    m_channel.sendCommand(e.commands, {});
    m_channel.armTimer(m_config.commandTimeoutMs);
}

void SmtpTransaction::sendPipelinedEnvelope()
{
    Q_ASSERT(!m_refusal && !m_envelopeSent && !m_bdat);
    const Envelope e = envelope(true);
    noteDsn(e);
    m_pipelined = true;
    m_serverOpen = true;
    m_envelopeSent = true;
    m_expected = e.expects;
    m_channel.sendCommand(e.commands, {});
}

void SmtpTransaction::promote()
{
    setPhase(Phase::Envelope);
    m_channel.armTimer(m_config.commandTimeoutMs);
}

void SmtpTransaction::sendRcpt()
{
    m_channel.sendCommand(rcptCommand(m_msg.recipients.value(m_rcptIndex), m_dsn), {});
    m_expected = {Reply::Rcpt};
    m_channel.armTimer(m_config.commandTimeoutMs);
}

bool SmtpTransaction::anyRecipientAccepted() const
{
    return std::any_of(m_result.recipients.cbegin(), m_result.recipients.cend(),
                       [](const RecipientResult &r) { return r.accepted; });
}

bool SmtpTransaction::isExpectedReply(Reply what, int code)
{
    if (code >= 400 && code < 600)
        return true;
    switch (what) {
    case Reply::Rset:
    case Reply::Mail:
    case Reply::Rcpt:
    case Reply::BdatChunk:
    case Reply::DataEnd:
        return code >= 200 && code < 300; // RCPT: 250, 251, 252
    case Reply::Data:
        return code == 354;
    }
    return false;
}

QString SmtpTransaction::replyName(Reply what)
{
    switch (what) {
    case Reply::Rset:
        return QStringLiteral("RSET");
    case Reply::Mail:
        return QStringLiteral("MAIL");
    case Reply::Rcpt:
        return QStringLiteral("RCPT");
    case Reply::Data:
        return QStringLiteral("DATA");
    case Reply::BdatChunk:
        return QStringLiteral("BDAT");
    case Reply::DataEnd:
        return QStringLiteral("the end of data");
    }
    return {};
}

SmtpTransaction::Step SmtpTransaction::handleReply(const SmtpReply &reply)
{
    Q_ASSERT(!m_expected.isEmpty());
    const Reply what = m_expected.takeFirst();
    if (!isExpectedReply(what, reply.code)) {
        // A positive reply the protocol does not allow here (250 to DATA, 354 to the end
        // marker, ...): the server, or someone on the path, is not speaking SMTP. Nothing is
        // taken from it, least of all a delivery.
        const QString to =
            what == Reply::DataEnd && m_bdat ? QStringLiteral("BDAT LAST") : replyName(what);
        return {Step::Kind::ProtocolError,
                SmtpResult::failure(
                    ErrorClass::Protocol,
                    QStringLiteral("unexpected reply %1 to %2").arg(reply.code).arg(to), reply)};
    }
    switch (what) {
    case Reply::Rset:
        if (reply.code >= 200 && reply.code < 300) {
            m_serverOpen = false;
            sendEnvelope();
            return {};
        }
        return finishedClosing(SmtpResult::fromReply(reply));
    case Reply::Mail:
        m_result.mailAnswered = true;
        m_mailReply = reply;
        if (!reply.isPositive() && !m_pipelined)
            return finished(SmtpResult::fromReply(reply));
        if (!m_pipelined)
            sendRcpt();
        return {};
    case Reply::Rcpt: {
        RecipientResult rr;
        rr.address = m_msg.recipients.value(m_rcptIndex);
        rr.reply = reply;
        rr.accepted = reply.isPositive();
        m_result.recipients.append(rr);
        ++m_rcptIndex;
        if (reply.code == 421) {
            // The server is shutting the session down: the whole transaction is deferred.
            if (m_pipelined)
                m_expected.clear();
            return finishedClosing(SmtpResult::fromReply(reply));
        }
        if (m_pipelined) {
            // With BDAT nothing follows the RCPTs in the pipelined group (RFC 3030 §4.2 lets a
            // BDAT join it, but its chunk would then go even when every RCPT was refused):
            // the chunks start once the last RCPT reply is in.
            if (m_bdat && m_rcptIndex >= m_msg.recipients.size()) {
                if (!m_mailReply.isPositive())
                    return finished(SmtpResult::fromReply(m_mailReply));
                return startData();
            }
            return {};
        }
        if (m_rcptIndex < m_msg.recipients.size()) {
            sendRcpt();
            return {};
        }
        return startData();
    }
    case Reply::Data: {
        const bool anyAccepted = anyRecipientAccepted();
        if (reply.code == 354 && m_mailReply.isPositive() && anyAccepted) {
            setPhase(Phase::SendingData);
            m_expected = {Reply::DataEnd};
            m_channel.armTimer(m_config.dataBlockTimeoutMs);
            askForEndOfData();
            return writeMore();
        }
        if (reply.code == 354) {
            // Pipelined DATA accepted although nothing else was (RFC 2920 §3.1): send an empty
            // body so the transaction ends, then report the earlier refusal.
            m_emptyBody = true;
            m_expected = {Reply::DataEnd};
            m_channel.sendCommand(".\r\n", "<end of data>");
            m_channel.armTimer(m_config.dataEndTimeoutMs);
            return {};
        }
        // DATA refused. Report the refusal that explains it: MAIL's, else the recipients'.
        if (!m_mailReply.isPositive())
            return finished(SmtpResult::fromReply(m_mailReply));
        if (!anyAccepted && !m_result.recipients.isEmpty()) {
            bool anyTransient = false;
            for (const auto &r : std::as_const(m_result.recipients))
                anyTransient = anyTransient || r.reply.isTransient();
            SmtpResult res = SmtpResult::fromReply(m_result.recipients.first().reply);
            if (anyTransient)
                res.errorClass = ErrorClass::Transient;
            return finished(res);
        }
        return finished(SmtpResult::fromReply(reply));
    }
    case Reply::BdatChunk:
        return handleBdatReply(what, reply);
    case Reply::DataEnd: {
        if (m_bdat)
            return handleBdatReply(what, reply);
        m_serverOpen = false; // the end-of-data reply ends the transaction, whatever it says
        if (m_emptyBody && !m_mailReply.isPositive())
            return finished(SmtpResult::fromReply(m_mailReply));
        if (m_emptyBody)
            return finished(SmtpResult::fromReply(m_result.recipients.value(0).reply));
        const SmtpResult res = SmtpResult::fromReply(reply);
        if (res.ok()) {
            for (auto &r : m_result.recipients) {
                if (r.accepted)
                    r.reply = reply;
            }
        } else {
            for (auto &r : m_result.recipients) {
                if (r.accepted) {
                    r.accepted = false;
                    r.reply = reply;
                }
            }
        }
        return finished(res);
    }
    }
    return {};
}

SmtpTransaction::Step SmtpTransaction::startData()
{
    if (!anyRecipientAccepted()) {
        SmtpResult res = SmtpResult::fromReply(m_result.recipients.value(0).reply);
        for (const auto &r : std::as_const(m_result.recipients)) {
            if (r.reply.isTransient())
                res.errorClass = ErrorClass::Transient;
        }
        return finished(res);
    }
    if (m_bdat) {
        setPhase(Phase::SendingData);
        m_expected.clear();
        m_chunkLeft = 0;
        m_channel.armTimer(m_config.dataBlockTimeoutMs);
        askForEndOfData();
        return writeMore();
    }
    m_expected = {Reply::Data};
    m_channel.sendCommand("DATA\r\n", {});
    m_channel.armTimer(m_config.commandTimeoutMs);
    return {};
}

void SmtpTransaction::askForEndOfData()
{
    if (!m_config.holdEndOfData)
        return;
    // Asked when the data begins (354, or the first BDAT chunk), as late as the owner's disk
    // sync can still overlap the data: only the end itself waits for it. Asking at the
    // envelope would overlap a round trip more but would mark a message whose envelope is
    // pipelined behind another's end marker, which a crash there cuts short before its data.
    // The answer may come from inside this call.
    if (m_endAsked)
        return;
    m_endAsked = true;
    m_endReleased = false;
    m_endWaiting = false;
    m_channel.requestEndOfData(*this);
}

SmtpTransaction::Step SmtpTransaction::releaseEndOfData(bool recorded)
{
    if (!recorded) {
        // The end may not go: abandon the transaction where it waits for it (now, or when the
        // data gets there).
        m_endRefused = true;
        if (!m_endWaiting)
            return {};
        m_endWaiting = false;
        return abandonBeforeEnd();
    }
    m_endReleased = true;
    if (!m_endWaiting)
        return {}; // the data is still going out (or this is an answer from inside the ask)
    m_endWaiting = false;
    return writeMore();
}

SmtpTransaction::Step SmtpTransaction::abandonBeforeEnd()
{
    m_channel.log(QStringLiteral("-- the outbox could not record that the end of data may go: "
                                 "the transaction is abandoned before it"));
    return {Step::Kind::Abandon,
            SmtpResult::failure(ErrorClass::Network,
                                QStringLiteral("abandoned before the end of data: the outbox "
                                               "could not be written"))};
}

SmtpTransaction::Step SmtpTransaction::writeMore()
{
    if (m_phase != Phase::SendingData)
        return {};
    return m_bdat ? writeBdat() : writeData();
}

bool SmtpTransaction::fillWire(QString *error)
{
    if (m_outOffset < m_out.size())
        return true;
    m_out.resize(0); // keeps its capacity: one allocation per transaction
    m_outOffset = 0;
    const qint64 size = m_msg.source->size();
    while (m_out.isEmpty() && m_readOffset < size) {
        if (m_piece.isEmpty())
            m_piece.resize(qsizetype(kMessagePieceOctets));
        const qint64 n =
            m_msg.source->read(m_readOffset, m_piece.data(),
                               std::min<qint64>(m_piece.size(), size - m_readOffset), error);
        if (n < 0)
            return false;
        if (n == 0) {
            *error = QStringLiteral("the message ended after %1 of its %2 octets")
                         .arg(m_readOffset)
                         .arg(size);
            return false;
        }
        m_encoder.encode(m_piece.constData(), qsizetype(n), &m_out);
        m_readOffset += n;
        if (m_readOffset == size)
            m_encoder.finish(&m_out);
    }
    if (size == 0 && m_wireWritten == 0 && m_out.isEmpty())
        m_encoder.finish(&m_out); // an empty message is one empty line
    if (m_wireWritten + (m_out.size() - m_outOffset) > m_wireTotal ||
        (m_out.isEmpty() && m_wireWritten < m_wireTotal)) {
        *error = QStringLiteral("the message changed while it was being sent (%1 octets "
                                "expected on the wire)")
                     .arg(m_wireTotal);
        return false;
    }
    return true;
}

SmtpTransaction::Step SmtpTransaction::unreadable(const QString &error)
{
    // Part of the message may be out, but never the end of data: closing the connection makes
    // the server drop it (RFC 5321 §3.8), and the message waits in the outbox for a retry.
    m_piece = QByteArray();
    m_out = QByteArray();
    m_serverOpen = false;
    m_channel.log(
        QStringLiteral("-- the message could not be read from the outbox: %1").arg(error));
    return finishedClosing(SmtpResult::failure(
        ErrorClass::Storage,
        QStringLiteral("the message could not be read from the outbox: %1").arg(error)));
}

SmtpTransaction::Step SmtpTransaction::writeData()
{
    if (!std::exchange(m_dataStarted, true))
        m_channel.log(QStringLiteral("C: <message, %1 octets>").arg(m_wireTotal + 3));
    // The wire octets piece by piece, then the end marker (RFC 5321 §4.1.1.4); the wire ends
    // with CRLF.
    while (!m_endMarkerWritten && m_channel.unwritten() < kWriteHighWater) {
        if (m_wireWritten < m_wireTotal) {
            QString error;
            if (!fillWire(&error))
                return unreadable(error);
            const qsizetype n = m_out.size() - m_outOffset;
            m_channel.writeOctets(m_out.constData() + m_outOffset, n);
            m_outOffset += n;
            m_wireWritten += n;
        } else {
            if (!m_endReleased) {
                if (m_endRefused)
                    return abandonBeforeEnd();
                m_endWaiting = true; // releaseEndOfData() writes it
                return {};
            }
            m_channel.writeOctets(".\r\n", 3);
            m_endMarkerWritten = true;
        }
    }
    if (!m_endMarkerWritten)
        return {}; // the rest goes when the socket has room
    m_piece = QByteArray();
    m_out = QByteArray();
    m_result.endMarkerSent = true;
    setPhase(Phase::AwaitingDataEnd);
    m_channel.armTimer(m_config.dataEndTimeoutMs);
    return {Step::Kind::EndMarkerWritten, {}};
}

SmtpTransaction::Step SmtpTransaction::writeBdat()
{
    // RFC 3030 §2: each chunk is "BDAT <octets>" (" LAST" on the final one) followed by exactly
    // that many octets of the wire form, counted before they are read (the shape). With
    // PIPELINING the chunks follow each other without waiting (§4.2); without it, each waits
    // for its 250.
    const bool pipelinedChunks = m_caps.pipelining && m_config.allowPipelining;
    const qint64 chunkSize = std::max<qint64>(1, m_config.chunkSize);
    while (m_channel.unwritten() < kWriteHighWater) {
        if (m_chunkLeft == 0) {
            // §2: after a 4xx/5xx to a chunk no further chunk is sent.
            if (m_wireWritten >= m_wireTotal || m_bdatRefusal)
                break;
            if (!pipelinedChunks && m_expected.contains(Reply::BdatChunk))
                break; // lockstep: the previous chunk's reply first
            const qint64 n = std::min(chunkSize, m_wireTotal - m_wireWritten);
            const bool last = m_wireWritten + n == m_wireTotal;
            if (last && !m_endReleased) {
                // BDAT LAST is the end of data: it and its octets wait for releaseEndOfData().
                if (m_endRefused)
                    return abandonBeforeEnd();
                m_endWaiting = true;
                return {};
            }
            m_channel.sendCommand("BDAT " + QByteArray::number(n) + (last ? " LAST" : "") + "\r\n",
                                  {});
            m_channel.log(QStringLiteral("C: <%1 octets>").arg(n));
            m_expected << (last ? Reply::DataEnd : Reply::BdatChunk);
            m_chunkLeft = n;
        }
        QString error;
        if (!fillWire(&error))
            return unreadable(error);
        const qsizetype n = qsizetype(std::min<qint64>(m_chunkLeft, m_out.size() - m_outOffset));
        m_channel.writeOctets(m_out.constData() + m_outOffset, n);
        m_outOffset += n;
        m_wireWritten += n;
        m_chunkLeft -= n;
    }
    if (m_chunkLeft > 0)
        return {}; // the announced chunk goes on when the socket has room
    if (m_bdatRefusal)
        return finishBdatRefusal();
    if (m_wireWritten >= m_wireTotal) {
        m_piece = QByteArray();
        m_out = QByteArray();
        m_result.endMarkerSent = true; // BDAT LAST and its octets are out: as after DATA's "."
        setPhase(Phase::AwaitingDataEnd);
        m_channel.armTimer(m_config.dataEndTimeoutMs);
    }
    return {};
}

SmtpTransaction::Step SmtpTransaction::handleBdatReply(Reply what, const SmtpReply &reply)
{
    const bool positive = reply.code >= 200 && reply.code < 300;
    if (reply.code == 421) {
        // The server is closing the session (RFC 5321 §3.8): nothing more will be answered.
        m_expected.clear();
        m_serverOpen = false;
        return finishedClosing(SmtpResult::fromReply(reply));
    }
    if (!positive && !m_bdatRefusal)
        m_bdatRefusal = reply; // RFC 3030 §2: the transaction failed; the first reply says why
    if (m_bdatRefusal) {
        // Chunks already in the pipeline are answered too (§4.2); the transaction ends once
        // every reply is read and the announced chunk is written out.
        return finishBdatRefusal();
    }
    if (what == Reply::BdatChunk) {
        if (m_phase != Phase::SendingData)
            return {};
        m_channel.armTimer(m_config.dataBlockTimeoutMs);
        return writeMore(); // lockstep: the next chunk
    }
    // The reply to BDAT LAST: the end of the transaction.
    m_serverOpen = false;
    for (auto &r : m_result.recipients) {
        if (r.accepted)
            r.reply = reply;
    }
    return finished(SmtpResult::fromReply(reply));
}

SmtpTransaction::Step SmtpTransaction::finishBdatRefusal()
{
    if (!m_bdatRefusal || m_chunkLeft > 0 || !m_expected.isEmpty())
        return {};
    for (auto &r : m_result.recipients) {
        if (r.accepted) {
            r.accepted = false;
            r.reply = *m_bdatRefusal;
        }
    }
    // Whatever the server kept of the refused transaction is dropped before the next MAIL.
    m_serverOpen = true;
    return finished(SmtpResult::fromReply(*m_bdatRefusal));
}

SmtpResult SmtpTransaction::resultWhenLost(const SmtpResult &cause) const
{
    // Replies already read (e.g. a 550 to a pipelined MAIL before the close) explain the
    // failure better than the close itself.
    if (m_mailReply.code && !m_mailReply.isPositive())
        return SmtpResult::fromReply(m_mailReply);
    if (m_bdatRefusal)
        return SmtpResult::fromReply(*m_bdatRefusal);
    return cause;
}

SmtpResult SmtpTransaction::resultWhenAborted(const SmtpResult &cause) const
{
    return m_bdatRefusal ? SmtpResult::fromReply(*m_bdatRefusal) : cause;
}

TransactionResult SmtpTransaction::conclude(const SmtpResult &result, bool *protocolBroken)
{
    *protocolBroken = false;
    m_piece = QByteArray();
    m_out = QByteArray();
    m_expected.clear();
    m_phase = Phase::Done; // nobody is told: the session has taken it off already
    m_result.result = result;
    if (result.ok()) {
        // The one rule for a delivery: MAIL accepted, at least one RCPT accepted, and a 2xx to
        // the end marker or BDAT LAST after the whole message went out. Anything else that
        // looks like success is the server's (or an attacker's) error, never a sent message.
        if (!(m_result.endMarkerSent && m_mailReply.code >= 200 && m_mailReply.code < 300 &&
              anyRecipientAccepted())) {
            m_result.result = SmtpResult::failure(
                ErrorClass::Protocol,
                QStringLiteral("a positive reply %1 without a completed transaction")
                    .arg(result.reply.code),
                result.reply);
            *protocolBroken = true;
        }
    }
    if (m_result.result.ok()) {
        for (const QByteArray &a : std::as_const(m_needUtf8)) {
            RecipientResult rr;
            rr.address = a;
            rr.reply = recipientNeedsSmtpUtf8();
            m_result.recipients.append(rr);
        }
    }
    // A refused MAIL opens no transaction; an accepted one stays open until the end-of-data
    // reply or RSET.
    if (m_result.mailAnswered && !m_mailReply.isPositive())
        m_serverOpen = false;
    return m_result;
}

} // namespace outpost
