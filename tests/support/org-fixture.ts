/** The queues, events and Lambda plumbing the e2e tests share with the bench (scripts/lib). */
export * from "../../scripts/lib/lambda-harness";
