<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Words</name>
    <message numerus="yes">
        <source>in %n s</source>
        <translation>
            <numerusform>in %n s</numerusform>
            <numerusform>in %n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n min</source>
        <translation>
            <numerusform>in %n min</numerusform>
            <numerusform>in %n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Online, but %n servers cannot be reached</source>
        <translation>
            <numerusform>Online, but %n server cannot be reached</numerusform>
            <numerusform>Online, but %n servers cannot be reached</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 %n message(s) are held until you fix the account.</source>
        <translation>
            <numerusform>%1 %n message is held until you fix the account.</numerusform>
            <numerusform>%1 %n messages are held until you fix the account.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) written while offline have been sent.</source>
        <translation>
            <numerusform>%n message written while offline has been sent.</numerusform>
            <numerusform>%n messages written while offline have been sent.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::AccountDialog</name>
    <message numerus="yes">
        <source>Remove the account %1? %n message(s) not sent yet will be marked failed (&quot;account removed&quot;); sent messages stay in the outbox.</source>
        <translation>
            <numerusform>Remove the account %1? %n message not sent yet will be marked failed (&quot;account removed&quot;); sent messages stay in the outbox.</numerusform>
            <numerusform>Remove the account %1? %n messages not sent yet will be marked failed (&quot;account removed&quot;); sent messages stay in the outbox.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::DesktopApp</name>
    <message numerus="yes">
        <source>%n message(s) you are writing have not been sent. They are kept as drafts where they can be. Quit now?</source>
        <translation>
            <numerusform>%n message you are writing has not been sent. It is kept as a draft where it can be. Quit now?</numerusform>
            <numerusform>%n messages you are writing have not been sent. They are kept as drafts where they can be. Quit now?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::MainWindow</name>
    <message numerus="yes">
        <source>Delete %n message(s) not sent yet from the outbox? This cannot be undone.</source>
        <translation>
            <numerusform>Delete %n message not sent yet from the outbox? This cannot be undone.</numerusform>
            <numerusform>Delete %n messages not sent yet from the outbox? This cannot be undone.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The %n sent message(s) in the selection stay as the record of what was sent.</source>
        <translation>
            <numerusform>The %n sent message in the selection stays as the record of what was sent.</numerusform>
            <numerusform>The %n sent messages in the selection stay as the record of what was sent.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) kept as failed: some recipients already got them; the others were cancelled.</source>
        <translation>
            <numerusform>%n message kept as failed: some recipients already got it; the others were cancelled.</numerusform>
            <numerusform>%n messages kept as failed: some recipients already got them; the others were cancelled.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n message(s).</source>
        <translation>
            <numerusform>%1: %n message.</numerusform>
            <numerusform>%1: %n messages.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n message(s) for %1.</source>
        <translation>
            <numerusform>Queued %n message for %1.</numerusform>
            <numerusform>Queued %n messages for %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 (%2): %3, %n message(s) sent</source>
        <translation>
            <numerusform>%1 (%2): %3, %n message sent</numerusform>
            <numerusform>%1 (%2): %3, %n messages sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s), %1 busy</source>
        <translation>
            <numerusform>%n connection, %1 busy</numerusform>
            <numerusform>%n connections, %1 busy</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n more account(s) paused)</source>
        <translation>
            <numerusform>(%n more account paused)</numerusform>
            <numerusform>(%n more accounts paused)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Quit Outpost? %n queued message(s) will wait until you start it again.</source>
        <translation>
            <numerusform>Quit Outpost? %n queued message will wait until you start it again.</numerusform>
            <numerusform>Quit Outpost? %n queued messages will wait until you start it again.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>outpost::ui::TrayController</name>
    <message numerus="yes">
        <source>%n queued</source>
        <translation>
            <numerusform>%n queued</numerusform>
            <numerusform>%n queued</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n held</source>
        <translation>
            <numerusform>%n held</numerusform>
            <numerusform>%n held</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
</context>
</TS>
