import java.lang.reflect.Method;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;

/**
 * The least a DirectRunner pipeline costs on this machine: one element through one DoFn, from the
 * same jar `./splitflow` runs and with its options loading (the option registrars it hides).
 * `bench/split-bench` times it to show the throughput no local split can exceed on a small dataset,
 * however fast its own work: copy time / this time.
 */
public class EmptyDirectPipeline {
  public static void main(String[] args) throws ReflectiveOperationException {
    Method install =
        Class.forName("dev.splitflow.cli.DirectRunnerOptionsLoader").getDeclaredMethod("install");
    install.setAccessible(true);
    install.invoke(null);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(args).create());
    p.apply(Create.of(1))
        .apply(
            ParDo.of(
                new DoFn<Integer, Integer>() {
                  @ProcessElement
                  public void process(@Element Integer i, OutputReceiver<Integer> out) {
                    out.output(i);
                  }
                }));
    p.run().waitUntilFinish();
  }
}
