"""Loads instructgpt_dag.py against a small stand-in of the airflow modules it imports (Airflow cannot be installed
where the project is built) and prints each task's id, upstream tasks and spark-submit arguments, templates rendered
with the Params' defaults and a sample run id, as JSON. jobs' AirflowDagTest parses every argument list with the
real command line. Where Airflow is installed, test_dag.py also loads the file through Airflow's own DagBag.

    python3 deploy/airflow/check_dag.py
"""
import json
import os
import re
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_RUN_ID = "manual__2026-12-02T18:00:00+00:00"


class _Param:
    def __init__(self, default=None, **kwargs):
        self.default = default
        self.kwargs = kwargs


class _Dag:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = []

    def __enter__(self):
        _Dag.current = self
        return self

    def __exit__(self, *exc):
        _Dag.current = None


class _SparkSubmitOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream = []
        if _Dag.current is None:
            raise RuntimeError(task_id + " was made outside a DAG")
        _Dag.current.tasks.append(self)

    def __rshift__(self, other):
        other.upstream.append(self.task_id)
        return other


def stub_airflow():
    """Registers the stand-in modules under the names the DAG file imports."""
    names = {
        "airflow": {"DAG": _Dag},
        "airflow.models": {},
        "airflow.models.param": {"Param": _Param},
        "airflow.providers": {},
        "airflow.providers.apache": {},
        "airflow.providers.apache.spark": {},
        "airflow.providers.apache.spark.operators": {},
        "airflow.providers.apache.spark.operators.spark_submit": {"SparkSubmitOperator": _SparkSubmitOperator},
    }
    for name, attrs in names.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        sys.modules[name] = module


def render(template, params, run_id):
    """The two kinds of template the DAG uses: {{ params.x }} and {{ run_id | replace(a, b) | ... }}."""
    def one(match):
        expr = [part.strip() for part in match.group(1).split("|")]
        if expr[0].startswith("params."):
            value = str(params[expr[0][len("params."):]])
        elif expr[0] == "run_id":
            value = run_id
        else:
            raise ValueError("unknown template variable: " + expr[0])
        for f in expr[1:]:
            args = re.fullmatch(r"replace\('(.*)', '(.*)'\)", f)
            if not args:
                raise ValueError("unknown template filter: " + f)
            value = value.replace(args.group(1), args.group(2))
        return value
    return re.sub(r"\{\{(.*?)\}\}", one, template)


def load():
    """The DAG built from the file, with the stand-in modules."""
    stub_airflow()
    namespace = {"__name__": "instructgpt_dag"}
    path = os.path.join(HERE, "instructgpt_dag.py")
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), namespace)
    return namespace["dag"]


def describe(dag):
    params = {k: p.default for k, p in dag.kwargs["params"].items()}
    return {
        "dag_id": dag.dag_id,
        "catchup": dag.kwargs.get("catchup"),
        "retries": dag.kwargs.get("default_args", {}).get("retries"),
        "params": params,
        "tasks": [{
            "task_id": t.task_id,
            "upstream": t.upstream,
            "java_class": t.kwargs.get("java_class"),
            "application": render(t.kwargs["application"], params, SAMPLE_RUN_ID),
            "args": [render(a, params, SAMPLE_RUN_ID) for a in t.kwargs["application_args"]],
        } for t in dag.tasks],
    }


if __name__ == "__main__":
    print(json.dumps(describe(load()), indent=2))
