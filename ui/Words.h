#pragma once
// User-facing words for the structured results of core (design.md: core says what happened,
// ui/ chooses the words). Everything here goes through tr(). The sentences the command line
// says too (result classes, replies, notes, notices, connection tests, sizes) live in
// words/SharedWords.h, one copy for both; these functions give the window's version of them.

#include "accounts/AccountDiscovery.h"
#include "accounts/ConnectionTest.h"
#include "accounts/OAuthSignOut.h"
#include "oauth/OAuthError.h"
#include "outbox/Notice.h"
#include "outbox/ServerContact.h"
#include "smtp/SmtpResult.h"
#include "storage/OutboxTypes.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace outpost::ui {

/// Translatable words for states, error classes, replies and notices, as the window shows them.
class Words
{
    Q_DECLARE_TR_FUNCTIONS(Words)
public:
    /// "Queued", "Sent", … for a message state.
    static QString state(MessageState s);
    /// The state of message `s` for the table and its details: state(), but "Sent to 1 of 2
    /// recipients" for a message the server refused some recipients of.
    static QString stateOf(const MessageSummary &s);
    /// The copy in the Sent folder for the details and the state's tooltip
    /// (words::copyState()); "" when none is made.
    static QString copyState(const MessageSummary &s);
    /// What went wrong with a message sent to only some recipients: how many it reached and
    /// each `refused` recipient with the server's words, one per line.
    static QString partialDelivery(const MessageSummary &s, const QList<RecipientRecord> &refused);
    /// Recipients refused for good, one per line with the server's words
    /// ("carol@example.net: 550 5.1.1 No such user").
    static QString refusedRecipients(const QList<RecipientRecord> &refused);
    /// A short sentence saying what an error class means to the user ("The server refused
    /// the password."); empty for ErrorClass::None.
    static QString errorClass(ErrorClass c);
    /// A reply as the server said it: "550 5.1.1 No such user"; empty when there was none (code 0).
    static QString reply(const SmtpReply &r);
    /// What a history row records, in the window's words (words::historyEvent()).
    static QString historyEvent(const HistoryEntry &h);
    /// A note of an attempt in the history (HistoryEntry::notes, e.g. "dsn-not-offered").
    static QString historyNote(const QString &note);
    /// The last reply of a message for the table: the reply, else the error class words.
    static QString lastReply(const MessageSummary &s);
    /// Countdown to `when` from `now`: "now", "in 45 s", "in 4 min", "in 2 h 5 min", or the
    /// date and time when it is more than a day away. Empty for an invalid `when`.
    static QString countdown(const QDateTime &when, const QDateTime &now);
    /// A time in the past for the table, relative where that reads best: "just now", "12 min
    /// ago", the time alone for today, "yesterday 18:40", else the locale's short date and
    /// time. Empty for an invalid `when`.
    static QString pastTime(const QDateTime &when, const QDateTime &now);
    /// A time in full in the locale's long format (tooltips); empty for an invalid one.
    static QString fullTime(const QDateTime &when);
    /// What came of the last attempt in Outpost's own words, apart from what the server
    /// said: "Accepted by the server", the words of the error class ("Could not connect to
    /// the server…"); empty when nothing was tried yet.
    static QString outcome(const MessageSummary &s);
    /// The status bar's words for how the servers of the accounts were at their last
    /// attempt: "Online" when none failed to connect, else which ones could not be reached.
    static QString serversSeen(const QList<ServerContact> &servers);
    /// One account's server as last seen, for the status bar's tooltip.
    static QString serverSeen(const ServerContact &server);
    /// What the status bar says once a compose window stored message `s`, in words that fit
    /// its state: a draft is saved, a queued message will be sent, a scheduled one goes at its
    /// time.
    static QString stored(const MessageSummary &s, const QDateTime &now);
    /// Title and body of a desktop notification for a Notice.
    static QString noticeTitle(const Notice &n);
    static QString noticeText(const Notice &n);
    /// A size in bytes for people ("12.3 KB").
    static QString size(qint64 bytes);
    /// Inline compose warning: the message (`bytes`) is over the SIZE the server announced
    /// (`limit` bytes) at its last EHLO.
    static QString tooLargeWarning(qint64 bytes, qint64 limit);
    /// Title, text and buttons of the question asked before queueing a message that is over
    /// the server's SIZE.
    static QString tooLargeTitle();
    static QString tooLargeQuestion(qint64 bytes, qint64 limit);
    static QString queueAnyway();
    static QString goBack();
    /// Inline compose warning: these addresses have a non-ASCII local part and the account's
    /// server did not offer SMTPUTF8 at its last EHLO.
    static QString smtpUtf8Warning(const QStringList &addresses);
    /// The question asked when an .eml file is dropped on the compose window, and its answers.
    static QString emlDropTitle();
    static QString emlDropQuestion(const QString &fileName);
    static QString replyToIt();
    static QString queueAsItIs();
    static QString attachIt();
    /// The question asked before formatted text goes back to plain text, and its answer.
    static QString plainTextTitle();
    static QString plainTextQuestion();
    static QString removeFormatting();
    /// The reply fields could not be read from a message file.
    static QString replyFileProblem(const QString &fileName, const QString &why);
    /// What a connection test is doing ("Connecting…", "Logging in…").
    static QString testStage(ConnectionTest::Stage stage);
    /// The outcome of a connection test of `account` in plain words: on success how the
    /// connection is protected and what the server offers; otherwise what went wrong, the
    /// server's reply or the technical reason, and what to do (certificate, password, port).
    static QString connectionTest(const SmtpResult &result, const Capabilities &caps,
                                  const Account &account);
    /// The capabilities in plain words ("Login: PLAIN, LOGIN · largest message 9.8 MB · …").
    static QString capabilities(const Capabilities &caps);

    /// Where an OAuth account's sign-in stands, as the accounts dialog shows it.
    enum class SignInState
    {
        Checking,    ///< the keychain or token file is being read
        SignedIn,    ///< a refresh token is kept
        NotSignedIn, ///< none is kept (never signed in, signed out)
        SignInAgain, ///< the provider refused the one kept: the account's messages are held
        Waiting,     ///< a sign-in runs in the browser
    };
    /// "Signed in as alice@example.org", "Not signed in", "Sign-in needed again", …
    static QString signInState(SignInState state, const QString &user);
    /// The sign-in button for provider `providerId`: "Sign in with Microsoft", "Sign in with
    /// Google", else "Sign in".
    static QString signInButton(const QString &providerId);
    /// The name of provider `providerId` in the sign-in chooser ("Password" for none).
    static QString signInProvider(const QString &providerId);
    /// The page the browser shows when it comes back to Outpost (HTML, UTF-8): signed in, or not.
    static QByteArray signInPage(bool signedIn);
    /// A sign-in that did not work, in the window's words.
    static QString signInFailure(const OAuthError &e, const QString &account);
    /// What a sign-out did (words::signOutText()).
    static QString signOut(const SignOutResult &r, const Account &account);

    // The "Add account" screens (AccountSetup).
    /// What discovery is doing now: "Asking autoconfig.example.org…".
    static QString discoveryStep(DiscoverySource step, const QString &what);
    /// Where found settings came from, in plain words (built-in, autoconfig file, DNS, guess).
    static QString discoveryOrigin(const DiscoveredSettings &f);
    /// How the provider wants Outpost to sign in (password, app password, browser).
    static QString discoverySignIn(const DiscoveredSettings &f);
    /// Screen 1's note under the address for a provider that wants an app password or OAuth.
    static QString setupSignInNote(const DiscoveredSettings &preset);
    /// Screen 2's title: "Settings found for alice@example.org".
    static QString setupFoundTitle(const QString &address);
    /// Screen 2's server, login and From lines, and the IMAP server for the Sent folder found
    /// (or that none was) as `a` would store it (rich text).
    static QString setupSummary(const DiscoveredSettings &f, const Account &a);
    /// The provider's help page as a link.
    static QString setupHelpLink(const DiscoveredSettings &f);
    /// The box to tick before a server to be confirmed is used: it names the submission server
    /// and the IMAP server when there is one.
    static QString setupConfirm(const DiscoveredSettings &f);
    /// "Save and sign in with Google".
    static QString setupSaveAndSignIn(const QString &providerId);
    /// Screen 2's note when the provider signs in with OAuth and this build has no client id
    /// for it: the next step asks for the user's own, and nothing is saved before (rich text).
    static QString setupClientIdNeeded(const QString &providerId);
    /// Nothing found: what was tried, and that the form is opened to enter the server.
    static QString setupNothingFound(const QString &domain, const QStringList &tried);
};

} // namespace outpost::ui
