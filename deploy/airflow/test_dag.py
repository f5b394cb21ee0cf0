"""The DAG through Airflow's own loader, where Airflow is installed (skipped elsewhere): it imports without errors
and has the pipeline's ten stages in a chain.

    python3 deploy/airflow/test_dag.py -v
"""
import os
import unittest

try:
    from airflow.models import DagBag
except ImportError:  # Airflow is not installed here
    DagBag = None

HERE = os.path.dirname(os.path.abspath(__file__))


@unittest.skipIf(DagBag is None, "Airflow is not installed")
class DagBagTest(unittest.TestCase):
    def test_the_dag_loads_and_chains_the_stages(self):
        bag = DagBag(dag_folder=os.path.join(HERE, "instructgpt_dag.py"), include_examples=False)
        self.assertEqual({}, bag.import_errors)
        dag = bag.get_dag("instructgpt")
        self.assertFalse(dag.catchup)
        order = [t.task_id for t in dag.topological_sort()]
        self.assertEqual(["prepare", "pretrain", "sft", "label", "rm", "select_sft", "ppo_ptx", "ppo", "eval",
                          "report"], order)


if __name__ == "__main__":
    unittest.main()
