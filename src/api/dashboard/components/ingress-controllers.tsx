/**
 * A cluster's IngressControllers (clusters.ingressControllers): strategy, the HostNetwork ports they
 * declare on every node they select (and, for one whose ports coincide, that it is self-conflicting),
 * and replicas asked and available.
 */
import type { DashboardCaller } from "../session.js";

type Controllers = Awaited<
  ReturnType<DashboardCaller["clusters"]["ingressControllers"]>
>["ingressControllers"];

const selectorText = (selector: Readonly<Record<string, string>>) =>
  Object.entries(selector)
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`))
    .join(", ");

export function IngressControllersTable({ controllers }: { controllers: Controllers }) {
  if (controllers.length === 0) return null;
  return (
    <section aria-labelledby="ic-list-heading">
      <h2 id="ic-list-heading">IngressControllers</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">IngressController</th>
              <th scope="col">Strategy</th>
              <th scope="col">Host ports (TCP, declared on every selected node)</th>
              <th scope="col">Placement</th>
              <th scope="col" class="num">
                Replicas
              </th>
              <th scope="col" class="num">
                Available
              </th>
            </tr>
          </thead>
          <tbody>
            {controllers.map((ic) => (
              <tr>
                <th scope="row">{`${ic.namespace}/${ic.name}`}</th>
                <td>{ic.endpointPublishingStrategy ?? "unknown"}</td>
                <td>
                  {ic.hostNetwork
                    ? `${ic.hostNetwork.httpPort}, ${ic.hostNetwork.httpsPort}, ${ic.hostNetwork.statsPort}`
                    : "–"}
                  {ic.selfConflict ? (
                    <>
                      {" "}
                      <span class="status status-none">self-conflicting</span>{" "}
                      <span>{`${ic.selfConflict}.`}</span>
                    </>
                  ) : null}
                </td>
                <td>{selectorText(ic.effectiveNodeSelector)}</td>
                <td class="num">{ic.replicas ?? "unset (2)"}</td>
                <td class="num">{ic.availableReplicas ?? "?"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
