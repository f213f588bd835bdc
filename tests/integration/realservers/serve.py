#!/usr/bin/python3
"""serve.py WORKDIR OUTFILE PORT[,PORT...] -- COMMAND... — the last step of postfix.sh and
exim.sh (they exec it, so the caller's pid is this process).

Starts COMMAND (the server, in the foreground) in a new session, its stdin /dev/null and its
stdout/stderr appended to OUTFILE, and writes its pid, which is also its process-group id, to
WORKDIR/server.pid. Prints `ready` once every PORT listens on 127.0.0.1 (read from
/proc/net/tcp: no connection is made, so the server logs nothing), at most 10 s. On SIGTERM,
SIGINT or SIGHUP: SIGTERM to the server, then to its whole process group, and exit once every
process is gone and reaped (SIGKILL after 5 s). This process is a child subreaper, so the
server's orphaned children are reaped here instead of lingering as zombies of init.
When the process that started it is gone (a test killed by its time limit never stops its
servers), it stops the server the same way. If this process is killed with SIGKILL, a watchdog (a forked copy of it in its own session,
blocked on a pipe) sees the pipe close and sends SIGTERM to the server's process group, then
SIGKILL after 5 s. (PR_SET_PDEATHSIG is no use: Postfix's master changes its effective uid for
a while, and the kernel then clears it.) Exit status: 0 when stopped by a signal, 1 when the
server did not get ready or exited by itself (with one line on stderr)."""
import ctypes, os, signal, sys, time

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
name = os.path.basename(sys.argv[0])

try:
    sep = sys.argv.index("--")
    workdir, outfile, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3].split(",")]
    command = sys.argv[sep + 1:]
    assert sep == 4 and command
except (ValueError, IndexError, AssertionError):
    sys.exit("usage: serve.py WORKDIR OUTFILE PORT[,PORT...] -- COMMAND...")

libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
starter = os.getppid()  # the test that started the server (the script exec'd this process)
stopping = False
deadline = None
server = None


def on_signal(sig, frame):
    global stopping, deadline
    if not stopping:
        stopping = True
        deadline = time.monotonic() + 5
        if server:
            try:
                os.kill(server, signal.SIGTERM)
            except ProcessLookupError:
                pass


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, on_signal)

out = os.open(outfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
devnull = os.open(os.devnull, os.O_RDONLY)
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_DFL)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.execvp(command[0], command)
    except OSError as e:
        os.write(2, ("%s: cannot run %s: %s\n" % (name, command[0], e)).encode())
    os._exit(127)
server = pid
os.close(out)
os.close(devnull)

def group_alive(pgid):
    """Whether a process of group pgid is still running (zombies do not count)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if fields[2] == str(pgid) and fields[0] != "Z":
                    return True
            except (OSError, IndexError):
                pass
    return False


# The watchdog: blocks until the pipe's write end (held only by this process) closes.
wd_read, wd_write = os.pipe()
watchdog = os.fork()
if watchdog == 0:
    try:
        os.setsid()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        os.close(wd_write)
        while os.read(wd_read, 1):
            pass
        for sig, pause in ((signal.SIGTERM, 5), (signal.SIGKILL, 0)):
            try:
                os.killpg(server, sig)
            except OSError:
                break
            end = time.monotonic() + pause
            while time.monotonic() < end and group_alive(server):
                time.sleep(0.05)
            if not group_alive(server):
                break
    finally:
        os._exit(0)
os.close(wd_read)
pidfile = os.path.join(workdir, "server.pid")
with open(pidfile, "w") as f:
    f.write("%d\n" % server)
if stopping:  # a signal arrived before server was set
    os.kill(server, signal.SIGTERM)


def listening():
    want = {"0100007F:%04X" % p for p in ports}
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A":
                    want.discard(fields[1])
    except OSError:
        return False
    return not want


def others():
    """Pids of our remaining children (the server's orphans are reparented to us)."""
    me, found = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if fields[1] == me:
                    found.append(int(entry))
            except (OSError, IndexError):
                pass
    return found


server_status = None
ready_by = time.monotonic() + 10
announced = False
failure = None
while True:
    # Reap whatever has exited: the server, or orphans of its process group.
    try:
        while True:
            p, status = os.waitpid(-1, os.WNOHANG)
            if p == 0:
                break
            if p == server:
                server_status = status
    except ChildProcessError:
        pass
    now = time.monotonic()
    if not stopping and os.getppid() != starter:
        on_signal(signal.SIGTERM, None)  # orphaned: nobody is left to stop it
    if server_status is not None and not stopping:
        if announced:
            failure = "the server exited by itself (%s); see %s and the log in %s" % (
                "status %d" % os.waitstatus_to_exitcode(server_status), outfile, workdir)
        else:
            failure = "the server exited before listening on %s (status %d); see %s" % (
                ports, os.waitstatus_to_exitcode(server_status), outfile)
        stopping, deadline = True, now + 5
    if server_status is not None and not [p for p in others() if p != watchdog]:
        break  # the server and everything it left behind are gone
    if not announced and not stopping:
        if listening():
            print("ready", flush=True)
            announced = True
        elif now > ready_by:
            failure = "the server did not listen on 127.0.0.1:%s within 10 s; see %s" % (ports, outfile)
            on_signal(signal.SIGTERM, None)
    if stopping and server_status is not None:
        try:
            os.killpg(server, signal.SIGTERM)  # what the server left behind
        except (ProcessLookupError, PermissionError):
            pass
    if stopping and deadline is not None and now > deadline:
        for p in [server] + [p for p in others() if p != watchdog]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(server, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        deadline = now + 60
    time.sleep(0.02)

try:
    os.unlink(pidfile)
except OSError:
    pass
os.close(wd_write)  # the watchdog wakes up, finds nothing to stop and exits
try:
    os.waitpid(watchdog, 0)
except ChildProcessError:
    pass
if failure:
    sys.stderr.write("%s: %s\n" % (os.environ.get("RS_NAME", name), failure))
    sys.exit(1)
sys.exit(0)
