<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Autostart</name>
    <message>
        <source>%1 could not be written (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the registry key %1 could not be written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be removed</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost cannot start:
%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>Draft</source>
        <translation>Entwurf</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Wird gesendet</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Held</source>
        <translation>Zurückgehalten</translation>
    </message>
    <message>
        <source>The server asked to try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the message.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not answer in time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A secure connection to the server could not be set up.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the user name or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered something unexpected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message could not be sent as written (address, size or a missing server feature).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>now</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>in %n s</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n min</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>in %1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending paused for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A message could not be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server said: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 %n message(s) are held until you fix the account.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) written while offline have been sent.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Getting the password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>Connected, waiting for the server to greet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the server what it offers…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Setting up encryption…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Logging in…</source>
        <translation>Anmeldung…</translation>
    </message>
    <message>
        <source>Saying goodbye…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>basic SMTP only (the server did not accept EHLO)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>login: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no login offered</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>largest message %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STARTTLS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pipelining</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>chunking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>8-bit text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>international addresses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>delivery status notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection is encrypted (TLS from the start).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection is encrypted (STARTTLS).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection is NOT encrypted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server accepted the login.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No login was used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection to %1 works. %2 %3 Ready to send.
The server offers: %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not connect to %1: %2. Check the server name and port, and that this computer is online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 did not answer in time. The port may be wrong or blocked by a firewall.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A secure connection to %1 could not be set up: %2. Try the other security setting (STARTTLS on port 587, TLS on port 465).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate of %1 is not trusted: %2. If you know this server uses this certificate, you can trust exactly this certificate for this account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No password is available for this account (%1). Type the password or give a password command, then test again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The login could not be done: %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 refused the user name or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At about %1 this message is larger than the %2 the server accepts: it would be refused. Remove an attachment or send the file another way.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message too large for the server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message is %1, and the server said at its last connection that it accepts at most %2. It will most likely be refused when it is sent.

Queue it anyway, or go back and make it smaller?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Queue anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Go back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server of this account does not accept addresses with non-ASCII characters before the @ (it did not offer SMTPUTF8): the message would fail when sent to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is an e-mail message. Reply to it, queue it as it is, or attach it?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reply to it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Queue it as it is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Attach it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plain text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to plain text? Bold, italic, lists and links are removed; the words stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove formatting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be read as an e-mail message: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server said: &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The login could not be tried.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not accept the login (user name or password).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the connection test.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The test could not be run with this account&apos;s settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not reach the server (network problem or server down).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server stopped answering.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A secure (TLS) connection could not be set up; nothing was sent in the clear.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted; nothing was sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not accept the login; sending is paused for this account until the password is fixed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server sent something that is not valid SMTP.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost could not send this message as it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server does not offer delivery status notifications, so none were asked for.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the server does not offer delivery status notifications (DSN), so none were requested from it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>account %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>message %1 failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 message(s) written while offline have been sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK: connected, %1, ready to send.
Capabilities:
</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EHLO accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HELO only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data folder %1 cannot be created or read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 belongs to another user (user id %2); Outpost uses only a data folder of your own. Choose another with --data-dir.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 may be changed by other users, so what it holds cannot be trusted. Make it yours alone (chmod go-w, or chmod 700 for a folder) and check what is in it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is a symbolic link; Outpost does not follow links for its outbox files. Put the real file there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>made %1 readable by you only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The outbox database cannot be used:
%1

Move it aside (nothing is deleted) and start with an empty outbox?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing was changed. To start with an empty outbox, move the damaged file aside:
  mv &apos;%1&apos; &apos;%1.damaged&apos;  (and the same for &apos;%1-wal&apos; if it exists)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::AccountDialog</name>
    <message>
        <source>Get the password from a &amp;command instead</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password co&amp;mmand:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow the password without encryption (this computer only)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use this account when none is chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <source>&amp;Cancel test</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;certificate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custom</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submission, port 587 with STARTTLS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submission over TLS, port 465</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>STARTTLS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS from the start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None (unencrypted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No authentication</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. pass show mail/work</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 of the server certificate (hex), optional</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Extra trusted CA certificates (PEM), optional</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>smtp.example.org</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your Name &lt;you@example.org&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Security</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authentication</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CA file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pinned certificate fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection test result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keychain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pre&amp;set:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;ecurity:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Au&amp;thentication:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CA f&amp;ile:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pinned certificate (SHA-&amp;256):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server features:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CA certificates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No system keychain is available on this computer (%1), so Outpost cannot keep a password for you. Give a command that prints the password instead, for example “pass show mail/work” or “secret-tool lookup mail work”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>only used to test the connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>— paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not known yet (no connection so far)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending from this account is paused. Saving it resumes sending.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unchanged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account could not be stored.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account was not saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved. The password is kept in the system keychain.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account was saved, but the system keychain could not keep the password (%1). You can give a command that prints the password instead, for example “pass show mail/%2”, and save again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the server first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test cancelled.</source>
        <translation>Test abgebrochen.</translation>
    </message>
    <message>
        <source>Save the account first, then trust its certificate.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate is trusted for this account. Test again to check.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account could not be removed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the account %1? Its messages stay in the outbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account could not be removed: the outbox could not be written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Remove the account %1? %n message(s) not sent yet will be marked failed (&quot;account removed&quot;); sent messages stay in the outbox.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::AddressField</name>
    <message>
        <source>Name &lt;address@example.org&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>address@example.org, Name &lt;other@example.org&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An address is needed here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only one address is allowed here.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::CertificateDialog</name>
    <message>
        <source>Server certificate not trusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost stopped sending from the account &lt;b&gt;%1&lt;/b&gt; because the server&apos;s certificate is not trusted. Its messages are held. Only trust this certificate if you know it is the right one for this server (ask its administrator to compare the fingerprint).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not show a certificate that could be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valid:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Names:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why the certificate is not trusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Trust this certificate for this account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problems found:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no certificate to trust.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate could not be trusted: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::ComposeWindow</name>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send &amp;later at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save &amp;draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cc</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bcc</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send at</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the message in the outbox (Ctrl+Return)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the message in the outbox without sending it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Account:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cc:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Bcc:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;ubject:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write your message here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;ttach files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove attachment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Schedule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no account to send from yet. &lt;a href=&quot;accounts&quot;&gt;Add an account…&lt;/a&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size: about %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please correct the address: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please add at least one recipient.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The time to send the message has already passed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The draft could not be saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message could not be queued: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file %1 could not be read: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message has not been sent or saved. Save it as a draft?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>F&amp;ormatted text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Formatted message text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write with bold, italic, lists and links (sent as HTML with a plain-text copy)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Italic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>List</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bulleted list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message also had a formatted (HTML) version. Sent again from here, it goes as plain text only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address (URL):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>there is no account to send from</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::DesktopApp</name>
    <message>
        <source>Outpost is still running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued messages keep going out from here. Use Quit in this menu to stop.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message %1 is in the outbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message is being sent right now, so it cannot be changed. If the server does not take it, you can edit it afterwards.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message has been sent already.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message is no longer in the outbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message could not be opened for editing (%1). It is kept as a draft.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) you are writing have not been sent. They are kept as drafts where they can be. Quit now?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::DetailsDialog</name>
    <message>
        <source>Message details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Detail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export as .eml…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message is no longer in the outbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(an earlier attempt may have been delivered)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message-ID:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send at:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next attempt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problem:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last reply:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Detail:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(delivery uncertain)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::MainWindow</name>
    <message>
        <source>&amp;Fix…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fix the account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protocol log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Protocol log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which messages to show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Held</source>
        <translation>Zurückgehalten</translation>
    </message>
    <message>
        <source>Drafts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message counts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New message</source>
        <translation>&amp;Neue Nachricht</translation>
    </message>
    <message>
        <source>Write a new message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Send queued now</source>
        <translation>Wartende jetzt &amp;senden</translation>
    </message>
    <message>
        <source>Try every queued message now, without waiting for its retry time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>&amp;Erneut versuchen</translation>
    </message>
    <message>
        <source>Try the selected messages again now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Hold</source>
        <translation>&amp;Zurückhalten</translation>
    </message>
    <message>
        <source>Keep the selected messages from being sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;lease</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Let held messages and drafts be sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>&amp;Export as .eml…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the selected message as an .eml file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>De&amp;tails…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History and per-recipient results of the selected message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit (back to draft)…</source>
        <translation>&amp;Bearbeiten (zurück zum Entwurf)…</translation>
    </message>
    <message>
        <source>Take the selected message out of sending and change it; it stays a draft until you send it again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start at &amp;login</source>
        <translation>Beim &amp;Anmelden starten</translation>
    </message>
    <message>
        <source>Start Outpost in the tray when you log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Work offline</source>
        <translation>&amp;Offline arbeiten</translation>
    </message>
    <message>
        <source>Do not send anything until switched off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accounts…</source>
        <translation>&amp;Konten…</translation>
    </message>
    <message>
        <source>Add, change or remove sending accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Close connections politely and quit Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending queued messages now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost will start in the tray when you log in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost will no longer start when you log in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start at login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The login item could not be changed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> Sh&amp;ow: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1: %n message(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The message is no longer in the outbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>message-%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E-mail messages (*.eml)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message could not be saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no account to send from yet. Add one under Accounts first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Queued %n message(s) for %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Working offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network: unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 (%2): %3, %n message(s) sent</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>No server connections</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s), %1 busy</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Queued: %1  Held: %2  Failed: %3  Sent: %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server said: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending from the account %1 is paused; its messages are held.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>(%n more account(s) paused)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Review &amp;certificate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter &amp;password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit &amp;account…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Quit Outpost? %n queued message(s) will wait until you start it again.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Quit Outpost?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply to message &amp;file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a reply to a message saved as an .eml file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Withdraw the selected messages not sent yet; sent messages stay as the record of what was sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply to message file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E-mail messages (*.eml);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent messages stay in the outbox as the record of what was sent; Delete withdraws only messages not sent yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Delete %n message(s) not sent yet from the outbox? This cannot be undone.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The %n sent message(s) in the selection stay as the record of what was sent.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) kept as failed: some recipients already got them; the others were cancelled.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::OutboxModel</name>
    <message>
        <source>Scheduled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no subject)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — delivery of an earlier attempt is uncertain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last server reply</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outpost::ui::TrayController</name>
    <message>
        <source>&amp;Show Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Compose…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outpost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop starting new messages until switched off; messages on their way finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused: %1 — needs your attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Working offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n queued</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n held</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Next attempt %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
