package io.labelcurve.worker;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The activities this process runs right now, so that a drain can say what it waits for ("draining
 * 2 activities: RunFinetuneCell attempt 1 of …"). The SDK's {@code WorkerFactory} does not expose
 * them; an inbound interceptor sees every execution start and end.
 */
final class InFlightActivities extends WorkerInterceptorBase {
  private final Map<Object, String> running = new ConcurrentHashMap<>();

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private String name = "activity";

      @Override
      public void init(ActivityExecutionContext context) {
        ActivityInfo info = context.getInfo();
        name =
            info.getActivityType()
                + " ("
                + info.getWorkflowId()
                + ", attempt "
                + info.getAttempt()
                + ")";
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        Object key = new Object();
        running.put(key, name);
        try {
          return super.execute(input);
        } finally {
          running.remove(key);
        }
      }
    };
  }

  /** How many activities run now. */
  int count() {
    return running.size();
  }

  /** What runs now, one entry per activity. */
  List<String> describe() {
    return List.copyOf(running.values());
  }
}
