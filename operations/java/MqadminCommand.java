import org.apache.rocketmq.tools.command.MQAdminStartup;

/**
 * Runs one mqadmin command, exactly as the release's own MQAdminStartup does, and exits as soon as it returns.
 *
 * Left to itself, the JVM outlives the command by about 3 s: the admin client's netty event loops shut down
 * gracefully, each waiting out a quiet period before its non-daemon thread ends. Every mqadmin request is
 * synchronous, so once the command returns its answer is printed and nothing is in flight. Exits that the command
 * makes itself (a bad option) and exceptions that escape it keep their own status.
 */
public final class MqadminCommand {
    private MqadminCommand() {}

    public static void main(String[] args) {
        MQAdminStartup.main(args);
        System.out.flush();
        System.err.flush();
        System.exit(0);
    }
}
