package io.labelcurve.activities.finetune;

import io.labelcurve.activities.Sha256;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cell's checkpoints in the bucket: {@code sweeps/{id}/checkpoints/{cell}/step-NNNNNNN/} holding
 * the files of one checkpoint, {@value #STATE} written last — a folder without it is an interrupted
 * write and is never resumed from. The newest {@code keep} complete ones are kept. The finished
 * model, when kept, is {@code …/final/}.
 *
 * <p>Each checkpoint also holds {@value #DIGESTS} (written after its files, before {@value
 * #STATE}): the SHA-256 of every file, in {@code sha256sum}'s format. A file that is missing,
 * truncated or changed since makes the checkpoint unusable: {@link #load} skips it for the next
 * older intact one (or none: training starts over) and says so, instead of loading a damaged model
 * or failing the cell. Checkpoints written before digests existed are loaded unchecked.
 *
 * <p>{@value #HANDOVER} names the checkpoint an attempt wrote when its worker drained: the SDK
 * refuses heartbeats once the worker shuts down, so that checkpoint cannot reach the retry as
 * heartbeat details; {@link #resumePoint} gives it to the retry when it is newer than the last
 * heartbeat's.
 */
public final class Checkpoints {
  /** The file that marks a checkpoint complete; written after all the others. */
  public static final String STATE = "state.json";

  /** The object naming the checkpoint written at a worker's drain (a URI, UTF-8). */
  public static final String HANDOVER = "handover.txt";

  /** The SHA-256 of each file of the checkpoint, one {@code "<hex> <name>"} line per file. */
  public static final String DIGESTS = "files.sha256";

  private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
  private static final Pattern STEP = Pattern.compile("step-(\\d{7,})/");

  private final BlobStore store;
  private final String prefix;
  private final int keep;

  /**
   * @param prefix ends with {@code /}
   * @param keep complete checkpoints to keep (at least 1)
   */
  public Checkpoints(BlobStore store, String prefix, int keep) {
    if (!prefix.endsWith("/") || keep < 1) {
      throw new IllegalArgumentException("prefix must end with / and keep be >= 1");
    }
    this.store = store;
    this.prefix = prefix;
    this.keep = keep;
  }

  public BlobStore store() {
    return store;
  }

  public String prefix() {
    return prefix;
  }

  /** The folder key of a step's checkpoint. */
  public String stepPrefix(long step) {
    return prefix + String.format("step-%07d/", step);
  }

  /** The folder key of the kept final model. */
  public String finalPrefix() {
    return prefix + "final/";
  }

  /**
   * Writes one checkpoint (the files, then {@code state}) and prunes the older ones.
   *
   * @return the checkpoint's URI, {@code s3://bucket/…/step-NNNNNNN/}
   */
  public String write(long step, Map<String, byte[]> files, byte[] state) throws IOException {
    String dir = stepPrefix(step);
    StringBuilder digests = new StringBuilder();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      store.put(dir + f.getKey(), f.getValue());
      digests.append(sha256(f.getValue())).append("  ").append(f.getKey()).append('\n');
    }
    digests.append(sha256(state)).append("  ").append(STATE).append('\n');
    store.put(dir + DIGESTS, digests.toString().getBytes(StandardCharsets.UTF_8));
    store.put(dir + STATE, state);
    prune();
    return store.uri(dir);
  }

  /** Records {@code uri} as the checkpoint a drained attempt hands over to its retry. */
  public void writeHandover(String uri) throws IOException {
    store.put(prefix + HANDOVER, uri.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Where a retry resumes, given the last heartbeat's checkpoint URI (or null): the handed-over
   * checkpoint when it is complete and of a later step, else {@code heartbeat} (the trainer falls
   * back to the newest complete checkpoint when that one is gone). A killed worker hands nothing
   * over, so its retry resumes from its heartbeat as before.
   */
  public String resumePoint(String heartbeat) throws IOException {
    Optional<byte[]> handover = store.get(prefix + HANDOVER);
    if (handover.isEmpty()) {
      return heartbeat;
    }
    String uri = new String(handover.get(), StandardCharsets.UTF_8).trim();
    if (!isComplete(uri)) {
      return heartbeat;
    }
    if (heartbeat != null && folderOf(heartbeat) != null && stepOf(heartbeat) >= stepOf(uri)) {
      return heartbeat;
    }
    return uri;
  }

  /** Writes files under {@link #finalPrefix()}; returns its URI. */
  public String writeFinal(Map<String, byte[]> files) throws IOException {
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      store.put(finalPrefix() + f.getKey(), f.getValue());
    }
    return store.uri(finalPrefix());
  }

  /** Steps of the complete checkpoints, ascending. */
  public List<Long> completeSteps() throws IOException {
    TreeSet<Long> steps = new TreeSet<>();
    for (String key : store.list(prefix)) {
      Matcher m = STEP.matcher(key.substring(prefix.length()));
      if (m.lookingAt() && key.endsWith("/" + STATE)) {
        steps.add(Long.parseLong(m.group(1)));
      }
    }
    return new ArrayList<>(steps);
  }

  /** The URI of the newest complete checkpoint, if any. */
  public Optional<String> newest() throws IOException {
    List<Long> steps = completeSteps();
    return steps.isEmpty()
        ? Optional.empty()
        : Optional.of(store.uri(stepPrefix(steps.get(steps.size() - 1))));
  }

  /** Whether a URI names a complete checkpoint of this cell. */
  public boolean isComplete(String uri) throws IOException {
    String dir = folderOf(uri);
    return dir != null && store.exists(dir + STATE);
  }

  /** A checkpoint read back whole and checked against its digests. */
  public record Loaded(String uri, Map<String, byte[]> files) {}

  /**
   * The checkpoint to resume from: {@code preferred} (a URI, e.g. the last heartbeat's; may be
   * null) when it is complete and intact, else the newest complete and intact one, else empty. Each
   * checkpoint passed over is logged with the reason.
   */
  public Optional<Loaded> load(String preferred) throws IOException {
    List<String> candidates = new ArrayList<>();
    if (preferred != null) {
      if (isComplete(preferred)) {
        candidates.add(preferred);
      } else {
        log.warn("checkpoint {} is not complete; using the newest complete one", preferred);
      }
    }
    List<Long> steps = completeSteps();
    for (int i = steps.size() - 1; i >= 0; i--) {
      String uri = store.uri(stepPrefix(steps.get(i)));
      if (!candidates.contains(uri)) {
        candidates.add(uri);
      }
    }
    for (String uri : candidates) {
      Map<String, byte[]> files = read(uri);
      Optional<String> damage = damageOf(files);
      if (damage.isEmpty()) {
        return Optional.of(new Loaded(uri, files));
      }
      log.warn("checkpoint {} is damaged ({}); not resuming from it", uri, damage.get());
    }
    return Optional.empty();
  }

  /** Why a checkpoint's files do not match its digests, or empty when they do (or it has none). */
  static Optional<String> damageOf(Map<String, byte[]> files) {
    byte[] listing = files.get(DIGESTS);
    if (listing == null) {
      return Optional.empty(); // written before digests existed
    }
    for (String line : new String(listing, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int sep = line.indexOf("  ");
      if (sep < 0) {
        return Optional.of(DIGESTS + " has a malformed line: " + line);
      }
      String name = line.substring(sep + 2);
      byte[] bytes = files.get(name);
      if (bytes == null) {
        return Optional.of(name + " is missing");
      }
      if (!sha256(bytes).equals(line.substring(0, sep))) {
        return Optional.of(name + " (" + bytes.length + " bytes) differs from its SHA-256");
      }
    }
    return Optional.empty();
  }

  private static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /** The files of a checkpoint, by name ({@value #STATE} included), unchecked. */
  public Map<String, byte[]> read(String uri) throws IOException {
    String dir = folderOf(uri);
    if (dir == null) {
      throw new IllegalArgumentException(uri + " is not a checkpoint under " + store.uri(prefix));
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String key : store.list(dir)) {
      files.put(key.substring(dir.length()), store.get(key).orElseThrow());
    }
    if (!files.containsKey(STATE)) {
      throw new IllegalStateException(uri + " is not a complete checkpoint (no " + STATE + ")");
    }
    return files;
  }

  /** Deletes all but the newest {@code keep} complete checkpoints, and older partial ones. */
  public void prune() throws IOException {
    List<Long> complete = completeSteps();
    if (complete.isEmpty()) {
      return;
    }
    long oldestKept = complete.get(Math.max(0, complete.size() - keep));
    for (String key : store.list(prefix)) {
      Matcher m = STEP.matcher(key.substring(prefix.length()));
      if (m.lookingAt() && Long.parseLong(m.group(1)) < oldestKept) {
        store.delete(key);
      }
    }
  }

  /** Deletes every checkpoint of the cell; the final model too unless {@code keepFinal}. */
  public void deleteAll(boolean keepFinal) throws IOException {
    for (String key : store.list(prefix)) {
      if (!(keepFinal && key.startsWith(finalPrefix()))) {
        store.delete(key);
      }
    }
  }

  /** The step of a checkpoint URI of this cell. */
  private long stepOf(String uri) {
    String dir = folderOf(uri);
    Matcher m = STEP.matcher(dir.substring(prefix.length()));
    if (!m.lookingAt()) {
      throw new IllegalArgumentException(uri + " is not a checkpoint under " + store.uri(prefix));
    }
    return Long.parseLong(m.group(1));
  }

  private String folderOf(String uri) {
    String key;
    try {
      key = uri.startsWith("s3://") ? store.keyOf(uri) : uri;
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!key.endsWith("/")) {
      key = key + "/";
    }
    if (!key.startsWith(prefix) || !STEP.matcher(key.substring(prefix.length())).matches()) {
      return null;
    }
    return key;
  }
}
